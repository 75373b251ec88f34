import type { BranchCondition } from '../flow-types.js';
import { matchesPattern } from '../safe-pattern.js';
import { resolveReference, type TemplateScope } from '../templates.js';

const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' && NUMERIC.test(value) ? Number(value) : undefined;
}

function compareNumbers(actual: string, expected: unknown, op: 'gt' | 'lt'): boolean {
  const left = toNumber(actual);
  const right = toNumber(expected);
  if (left === undefined || right === undefined) return false;
  return op === 'gt' ? left > right : left < right;
}

/**
 * Whether a branch condition holds. `eq`/`ne` compare strings (a number value is compared as
 * its decimal text); `in` looks for the value in the array; `gt`/`lt` compare numbers and are
 * false when either side is not a number; `matches` tests a regular expression (see
 * safe-pattern.ts for the limits that keep it cheap).
 */
export function evaluateCondition(condition: BranchCondition, scope: TemplateScope): boolean {
  const actual = resolveReference(condition.var, scope, true);
  const { op, value } = condition;
  switch (op) {
    case 'eq':
      return !Array.isArray(value) && actual === String(value);
    case 'ne':
      return !Array.isArray(value) && actual !== String(value);
    case 'in':
      return Array.isArray(value) && value.some((item) => String(item) === actual);
    case 'gt':
    case 'lt':
      return compareNumbers(actual, value, op);
    case 'matches':
      return typeof value === 'string' && matchesPattern(value, actual);
    default:
      return false;
  }
}
