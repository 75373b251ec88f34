import { monotonicFactory } from 'ulid';
import type { Clock } from './clock.js';

/** Every id prefix of the public API (API.md: ids are typed and time-sortable). */
export const ID_PREFIXES = [
  'msg',
  'call',
  'flow',
  'num',
  'evt',
  'conv',
  'cmsg',
  'file',
  'rec',
  'whd',
  'prj',
  'key',
  'obx',
  'con',
  'wha',
  'req',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

/** Makes `<prefix>_<ULID>` ids: lexicographic order is creation order. */
export type IdGenerator = (prefix: IdPrefix) => string;

export function createIdGenerator(clock: Clock): IdGenerator {
  const ulid = monotonicFactory();
  return (prefix) => `${prefix}_${ulid(clock.now().getTime())}`;
}

const ID_PATTERN = /^[a-z]+_[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `value` looks like an id with the given prefix (used before touching the db). */
export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}
