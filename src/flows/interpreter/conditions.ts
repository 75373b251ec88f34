import type { BranchCondition } from '../flow-types.js';
import { matchesPattern } from '../safe-pattern.js';
import { resolveReference, type TemplateScope } from '../templates.js';

const NUMERIC = /^\s*(-?)(\d+)(?:\.(\d+))?\s*$/;

/** A decimal numeral in parts: sign, integer digits without leading zeros, fraction digits. */
interface Decimal {
  negative: boolean;
  whole: string;
  fraction: string;
}

/** A JSON number's decimal text, also where JavaScript would write it with an exponent. */
function numeralOf(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return Number.isInteger(value) ? BigInt(value).toString() : value.toFixed(100);
}

function toDecimal(value: unknown): Decimal | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = numeralOf(value);
  } else if (typeof value === 'string') text = value;
  else return undefined;
  const match = NUMERIC.exec(text);
  if (!match) return undefined;
  const whole = match[2].replace(/^0+(?=\d)/, '');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const zero = whole === '0' && fraction === '';
  return { negative: match[1] === '-' && !zero, whole, fraction };
}

/** -1, 0 or 1 as the magnitude of `a` is below, equal to or above that of `b`. */
function compareMagnitudes(a: Decimal, b: Decimal): number {
  if (a.whole.length !== b.whole.length) return a.whole.length < b.whole.length ? -1 : 1;
  if (a.whole !== b.whole) return a.whole < b.whole ? -1 : 1;
  const width = Math.max(a.fraction.length, b.fraction.length);
  const left = a.fraction.padEnd(width, '0');
  const right = b.fraction.padEnd(width, '0');
  return left === right ? 0 : left < right ? -1 : 1;
}

/**
 * `gt`/`lt` on the decimal numerals themselves, digit by digit: a 20-digit account number
 * keyed in by a caller compares exactly (as JavaScript numbers, digits beyond the 16th were
 * lost and unequal numbers compared equal). A number in the definition is its decimal text.
 */
function compareNumbers(actual: string, expected: unknown, op: 'gt' | 'lt'): boolean {
  const left = toDecimal(actual);
  const right = toDecimal(expected);
  if (left === undefined || right === undefined) return false;
  let order: number;
  if (left.negative !== right.negative) order = left.negative ? -1 : 1;
  else order = compareMagnitudes(left, right) * (left.negative ? -1 : 1);
  return op === 'gt' ? order > 0 : order < 0;
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
