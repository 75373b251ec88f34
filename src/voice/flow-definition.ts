import { validateFlow, type FlowDefinition } from '../flows/index.js';
import { UnprocessableError, type FieldError } from '../platform/index.js';

/** Largest stored flow definition, as compact JSON (200 steps of long text fit easily). */
export const MAX_FLOW_BYTES = 256 * 1024;
/** Largest flow given inline to `POST /v1/calls`: it is copied onto every call. */
export const MAX_INLINE_FLOW_BYTES = 64 * 1024;

/**
 * Accepts a flow document or throws 422: `flow_too_large` when its JSON passes `maxBytes`,
 * `invalid_flow` with every problem the validator found. Error paths are JSON pointers into
 * the request: the validator's pointer behind `prefix` (`/definition`, `/flow`, or '' when the
 * request body is the definition's holder for `validate`).
 */
export function acceptFlowDefinition(
  definition: unknown,
  options: { prefix: string; maxBytes: number },
): FlowDefinition {
  const size = Buffer.byteLength(JSON.stringify(definition ?? null), 'utf8');
  if (size > options.maxBytes) {
    const message = `is ${size} bytes; the limit is ${options.maxBytes}`;
    throw new UnprocessableError('The flow is too large.', 'flow_too_large', [
      { path: options.prefix || '/', message },
    ]);
  }
  const verdict = validateFlow(definition);
  if (!verdict.valid) {
    throw new UnprocessableError(
      'The flow is not valid.',
      'invalid_flow',
      prefixErrors(verdict.errors, options.prefix),
    );
  }
  return verdict.definition;
}

function prefixErrors(errors: FieldError[], prefix: string): FieldError[] {
  if (!prefix) return errors;
  return errors.map((e) => ({ ...e, path: e.path === '/' ? prefix : `${prefix}${e.path}` }));
}

/** The flow ids a definition's `redirect` steps name. */
export function redirectTargets(definition: FlowDefinition): string[] {
  const targets = new Set<string>();
  for (const step of Object.values(definition.steps)) {
    if (step.verb === 'redirect') targets.add(step.flow_id);
  }
  return [...targets];
}
