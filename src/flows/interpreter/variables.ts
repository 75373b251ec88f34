import { FLOW_LIMITS } from '../flow-types.js';

const VARIABLE_NAME = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** True for a name the schema accepts as a variable name. */
export function isVariableName(name: string): boolean {
  return VARIABLE_NAME.test(name);
}

/** A value cut to `FLOW_LIMITS.maxVariableLength` characters. */
export function limitValue(value: string): string {
  return value.length > FLOW_LIMITS.maxVariableLength
    ? value.slice(0, FLOW_LIMITS.maxVariableLength)
    : value;
}

/**
 * `current` with `updates` applied: existing names are overwritten; new names are added until
 * the flow holds `FLOW_LIMITS.maxVariables`, then dropped, so the persisted state stays small
 * whatever a webhook answers. Invalid names are dropped too.
 */
export function mergeVariables(
  current: Readonly<Record<string, string>>,
  updates: Readonly<Record<string, string>>,
): Record<string, string> {
  const merged: Record<string, string> = { ...current };
  let count = Object.keys(merged).length;
  for (const [name, value] of Object.entries(updates)) {
    if (!isVariableName(name)) continue;
    const known = Object.hasOwn(merged, name);
    if (!known && count >= FLOW_LIMITS.maxVariables) continue;
    if (!known) count += 1;
    merged[name] = limitValue(value);
  }
  return merged;
}
