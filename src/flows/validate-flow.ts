import type { FieldError } from '../platform/index.js';
import type { FlowDefinition } from './flow-types.js';
import { checkCycles, checkReferences } from './graph-checks.js';
import { toFieldErrors } from './schema-errors.js';
import { checkFlowSchema } from './schema.js';
import { checkSteps } from './step-checks.js';

/** The verdict on a flow document: the typed definition, or every problem found. */
export type FlowValidation =
  { valid: true; definition: FlowDefinition } | { valid: false; errors: FieldError[] };

/**
 * Validates a flow document: first its shape against `flows/schema.json`, then (only when the
 * shape is right, so the checks can trust it) the rules about single steps and the graph —
 * every transition names a step and every cycle waits for the caller. Each error's `path` is
 * a JSON pointer into `definition` (`/steps/menu/branches/2`, `/start`). Never throws, whatever
 * it is given.
 */
export function validateFlow(definition: unknown): FlowValidation {
  const schemaErrors = toFieldErrors(checkFlowSchema(definition));
  if (schemaErrors.length > 0) return { valid: false, errors: schemaErrors };
  const flow = definition as FlowDefinition;
  const references = checkReferences(flow);
  const errors = [...references, ...checkSteps(flow), ...checkCycles(flow)];
  return errors.length > 0 ? { valid: false, errors } : { valid: true, definition: flow };
}
