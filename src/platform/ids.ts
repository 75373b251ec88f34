import { randomFillSync } from 'node:crypto';
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

/**
 * ulid's default PRNG asks the OS for a few random bytes per id, which showed up at 3 % of a
 * busy worker's CPU; this one draws the same cryptographic randomness from a pooled buffer.
 */
function pooledRandom(): () => number {
  const pool = new Uint32Array(1024);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++] / 0x1_0000_0000;
  };
}

export function createIdGenerator(clock: Clock): IdGenerator {
  const ulid = monotonicFactory(pooledRandom());
  return (prefix) => `${prefix}_${ulid(clock.now().getTime())}`;
}

const ID_PATTERN = /^[a-z]+_[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `value` looks like an id with the given prefix (used before touching the db). */
export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}
