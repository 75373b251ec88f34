import type { FieldError } from '../platform/index.js';
import {
  FLOW_DEFAULTS,
  FLOW_LIMITS,
  type BranchStep,
  type FlowDefinition,
  type FlowStep,
  type GatherStep,
} from './flow-types.js';
import { checkPattern } from './safe-pattern.js';

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** The characters of every spoken or sent text field of a step. */
function countText(step: FlowStep): number {
  switch (step.verb) {
    case 'say':
      return step.text.length;
    case 'gather':
      return step.prompt && 'text' in step.prompt ? step.prompt.text.length : 0;
    case 'sms':
      return step.body.length;
    case 'set':
      return Object.values(step.variables).reduce((sum, value) => sum + value.length, 0);
    default:
      return 0;
  }
}

function checkGatherKeys(name: string, step: GatherStep): FieldError[] {
  const finishKey = step.finish_on_key ?? FLOW_DEFAULTS.gather.finish_on_key;
  const numDigits = step.num_digits ?? FLOW_DEFAULTS.gather.num_digits;
  const errors: FieldError[] = [];
  for (const digits of Object.keys(step.branches ?? {})) {
    const path = `/steps/${name}/branches/${digits}`;
    if (finishKey !== '' && digits.includes(finishKey)) {
      errors.push({
        path,
        message: `contains the finish_on_key "${finishKey}", so it can never be entered; change finish_on_key (or set it to "")`,
      });
    } else if (digits.length > numDigits) {
      errors.push({
        path,
        message: `is longer than num_digits (${numDigits}), so it can never be entered`,
      });
    }
  }
  return errors;
}

/** Why a condition's value does not suit its operator, or undefined. */
function checkConditionValue(op: string, value: unknown): string | undefined {
  const isList = Array.isArray(value);
  if (op === 'in') return isList ? undefined : 'must be an array for op "in"';
  if (isList) return `must be a string or a number for op "${op}"`;
  if (op === 'gt' || op === 'lt') {
    return typeof value === 'number' || NUMERIC.test(String(value))
      ? undefined
      : `must be a number for op "${op}"`;
  }
  if (op === 'matches') {
    if (typeof value !== 'string') return 'must be a regular expression string for op "matches"';
    return checkPattern(value);
  }
  return undefined;
}

function checkBranchCases(name: string, step: BranchStep): FieldError[] {
  const errors: FieldError[] = [];
  step.cases.forEach((branchCase, index) => {
    const problem = checkConditionValue(branchCase.if.op, branchCase.if.value);
    if (problem) {
      errors.push({ path: `/steps/${name}/cases/${index}/if/value`, message: problem });
    }
  });
  return errors;
}

/**
 * Rules about single steps that the schema cannot say: at most 4,000 characters of text per
 * step, gather branch keys that can actually be typed, and branch values that suit their
 * operator (`in` takes an array, `gt`/`lt` a number, `matches` a safe regular expression).
 */
export function checkSteps(definition: FlowDefinition): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, step] of Object.entries(definition.steps)) {
    const text = countText(step);
    if (text > FLOW_LIMITS.maxTextPerStep) {
      errors.push({
        path: `/steps/${name}`,
        message: `has ${text} characters of text; a step may have at most ${FLOW_LIMITS.maxTextPerStep}`,
      });
    }
    if (step.verb === 'gather') errors.push(...checkGatherKeys(name, step));
    if (step.verb === 'branch') errors.push(...checkBranchCases(name, step));
  }
  return errors;
}
