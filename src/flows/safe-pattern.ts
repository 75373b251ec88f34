import vm from 'node:vm';
import { FLOW_LIMITS } from './flow-types.js';

/**
 * Guards for the `matches` branch operator. JavaScript regular expressions backtrack, so a
 * pattern such as `(a+)+$` can take exponential time. A flow author's pattern is accepted
 * only when it is short, compiles (with the `u` flag where it can), has no back-references,
 * no repeated group (`*`, `+`, `{n,m}`) that itself contains a repetition other than a fixed
 * count (`{3}`) or an alternation (an optional group, `(...)?`, is fine), at most three repetitions of variable length (`*`, `+`, `{n,}`,
 * `{n,m}` with m > n: `a{0,30}` five times over took 19 s on 101 characters), and at most
 * eight optional items (`?`); the input is capped at `FLOW_LIMITS.maxMatchInputLength`
 * characters. These refuse the known blow-ups at validation. They are heuristics, so every
 * match also runs under a time limit (`matchesPattern`): no pattern can hold the event loop.
 */

const MAX_VARIABLE = 3;
const MAX_OPTIONAL = 8;

/** `*`, `+`, `{n,}` or `{n,m}` with m > n and m ≥ 2 at `index`: a repetition of variable length. */
function isVariableQuantifier(pattern: string, index: number): boolean {
  const ch = pattern[index];
  if (ch === '*' || ch === '+') return true;
  if (ch !== '{') return false;
  const bounds = /^\{(\d+),(\d*)\}/.exec(pattern.slice(index));
  if (!bounds) return false;
  return bounds[2] === '' || (Number(bounds[2]) > Number(bounds[1]) && Number(bounds[2]) >= 2);
}

/** `{n}` at `index`: a fixed count, which matches one way only (`(\d{3})+` is safe). */
function isFixedCount(pattern: string, index: number): boolean {
  return pattern[index] === '{' && /^\{\d+\}/.test(pattern.slice(index));
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
  let variable = 0;
  let optional = 0;
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
    } else if (isQuantifier(pattern, i) && !isFixedCount(pattern, i)) top.repeats = true;
    if (!inClass && isVariableQuantifier(pattern, i)) variable += 1;
    if (!inClass && ch === '?' && pattern[i - 1] !== '(') optional += 1;
  }
  if (variable > MAX_VARIABLE) return `more than ${MAX_VARIABLE} repetitions of variable length`;
  return optional > MAX_OPTIONAL ? `more than ${MAX_OPTIONAL} optional items` : undefined;
}

/**
 * Escapes that make a pattern unfit to read without the `u` flag: a letter that is no escape
 * of JavaScript's (`\q`, a typo), and those whose meaning the flag gives (`\p{Lu}`, `\P{…}`,
 * `\k<name>`, `\u{41}`), which without it would match their letters literally.
 */
const NOT_WITHOUT_U = /\\([aeghijlmoqyzACEFGHIJKLMNOQRTUVXYZpPk]|u\{)/;

function compiles(pattern: string, flags: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

/**
 * The flags a pattern compiles with: `u` (code points, so an emoji is one character) when it
 * is valid there, else none, for the punctuation escapes authors write everywhere and the `u`
 * flag refuses (`\d{3}\-\d{4}`, `[\w-.]`), read as most regex engines read them. A pattern
 * with an unknown letter escape, or that compiles neither way, has none (undefined).
 */
function flagsOf(pattern: string): 'u' | '' | undefined {
  if (compiles(pattern, 'u')) return 'u';
  if (NOT_WITHOUT_U.test(pattern.replace(/\\\\/g, ''))) return undefined;
  return compiles(pattern, '') ? '' : undefined;
}

/** Why `pattern` cannot be used by `matches`, or undefined when it is acceptable. */
export function checkPattern(pattern: string): string | undefined {
  if (pattern.length > FLOW_LIMITS.maxPatternLength) {
    return `must be at most ${FLOW_LIMITS.maxPatternLength} characters`;
  }
  if (flagsOf(pattern) === undefined) return 'is not a valid regular expression';
  const hazard = findHazard(pattern);
  return hazard ? `is too costly to match: ${hazard}` : undefined;
}

/** How long one `matches` may run before it counts as no match. */
export const MATCH_TIMEOUT_MS = 20;

/** A context of its own for matching, so V8's script timeout can interrupt a runaway match. */
const sandbox = vm.createContext({ pattern: '', flags: '', input: '', matched: false });
const matcher = new vm.Script('matched = new RegExp(pattern, flags).test(input)');

/**
 * True when `input` matches `pattern`. A pattern `checkPattern` rejects, an input longer than
 * the cap, or a match still running after `MATCH_TIMEOUT_MS` never matches (the validator
 * refuses the patterns it knows to be costly; the time limit holds for the rest).
 */
export function matchesPattern(pattern: string, input: string): boolean {
  if (input.length > FLOW_LIMITS.maxMatchInputLength) return false;
  if (checkPattern(pattern) !== undefined) return false;
  Object.assign(sandbox, { pattern, flags: flagsOf(pattern), input, matched: false });
  try {
    matcher.runInContext(sandbox, { timeout: MATCH_TIMEOUT_MS });
  } catch {
    return false;
  }
  return sandbox.matched === true;
}
