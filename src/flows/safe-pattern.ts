import { FLOW_LIMITS } from './flow-types.js';

/**
 * Guards for the `matches` branch operator. JavaScript regular expressions backtrack, so a
 * pattern such as `(a+)+$` can take exponential time. A flow author's pattern is accepted
 * only when it is short, compiles with the `u` flag, has no back-references, no repeated
 * group (`*`, `+`, `{n,m}`) that itself contains a repetition or an alternation (an optional
 * group, `(...)?`, is fine), and at most three unbounded repetitions; the input is capped
 * at `FLOW_LIMITS.maxMatchInputLength` characters. Together these keep the worst case
 * polynomial and small (input length to the third power at most).
 */

const MAX_UNBOUNDED = 3;

function isUnboundedQuantifier(pattern: string, index: number): boolean {
  const ch = pattern[index];
  if (ch === '*' || ch === '+') return true;
  if (ch !== '{') return false;
  return /^\{\d+,\}/.test(pattern.slice(index));
}

function isQuantifier(pattern: string, index: number): boolean {
  const ch = pattern[index];
  return (
    ch === '*' ||
    ch === '+' ||
    ch === '?' ||
    (ch === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(index)))
  );
}

/** Length of `?:`, `?=`, `?!`, `?<=`, `?<!` or `?<name>` after an opening parenthesis. */
function groupPrefixLength(pattern: string, index: number): number {
  if (pattern[index] !== '?') return 0;
  const rest = pattern.slice(index);
  const prefix = /^\?(?:[:=!]|<[=!]|<[A-Za-z_$][\w$]*>)/.exec(rest);
  return prefix ? prefix[0].length : 0;
}

interface GroupFrame {
  repeats: boolean;
  alternates: boolean;
}

/** Walks the pattern once; returns why it is unsafe, or undefined. */
function findHazard(pattern: string): string | undefined {
  const stack: GroupFrame[] = [{ repeats: false, alternates: false }];
  let unbounded = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i];
    if (ch === '\\') {
      if (/[1-9k]/.test(pattern[i + 1] ?? '')) return 'back-references are not allowed';
      i += 1;
      continue;
    }
    if (inClass) {
      inClass = ch !== ']';
      continue;
    }
    const top = stack[stack.length - 1];
    if (ch === '[') inClass = true;
    else if (ch === '(') {
      stack.push({ repeats: false, alternates: false });
      i += groupPrefixLength(pattern, i + 1);
      continue;
    } else if (ch === '|') top.alternates = true;
    else if (ch === ')' && stack.length > 1) {
      const group = stack.pop() as GroupFrame;
      const parent = stack[stack.length - 1];
      if (isQuantifier(pattern, i + 1) && pattern[i + 1] !== '?') {
        if (group.repeats || group.alternates) {
          return 'a repeated group must not contain a repetition or an alternation';
        }
        parent.repeats = true;
      }
      parent.repeats ||= group.repeats;
    } else if (isQuantifier(pattern, i)) top.repeats = true;
    if (!inClass && isUnboundedQuantifier(pattern, i)) unbounded += 1;
  }
  return unbounded > MAX_UNBOUNDED ? `more than ${MAX_UNBOUNDED} unbounded repetitions` : undefined;
}

/** Why `pattern` cannot be used by `matches`, or undefined when it is acceptable. */
export function checkPattern(pattern: string): string | undefined {
  if (pattern.length > FLOW_LIMITS.maxPatternLength) {
    return `must be at most ${FLOW_LIMITS.maxPatternLength} characters`;
  }
  try {
    new RegExp(pattern, 'u');
  } catch {
    return 'is not a valid regular expression';
  }
  const hazard = findHazard(pattern);
  return hazard ? `is too costly to match: ${hazard}` : undefined;
}

/**
 * True when `input` matches `pattern`. A pattern `checkPattern` rejects, or an input longer
 * than the cap, never matches (the validator already refuses such patterns; this is the
 * second line for definitions that skipped it).
 */
export function matchesPattern(pattern: string, input: string): boolean {
  if (input.length > FLOW_LIMITS.maxMatchInputLength) return false;
  if (checkPattern(pattern) !== undefined) return false;
  return new RegExp(pattern, 'u').test(input);
}
