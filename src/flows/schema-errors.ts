import type { ErrorObject } from 'ajv';
import type { FieldError } from '../platform/index.js';
import { FLOW_VERBS } from './flow-types.js';

const PROMPT_VERBS = ['say', 'play'];

/** Messages for the named definitions whose ajv wording ("must match pattern ...") helps no one. */
const DEFINITION_MESSAGES: Record<string, string> = {
  stepName: 'must be a step name: 1-64 letters, digits, "_" or "-"',
  variableName: 'must be a variable name: a letter or "_" then up to 63 letters, digits or "_"',
  digitKey: 'must be 1-64 keypad keys (0-9, * or #)',
  finishKey: 'must be one keypad key (0-9, * or #) or "" for none',
  voice: 'must be a voice name: 1-64 letters, digits, ".", ":", "_" or "-"',
  language: 'must be a BCP 47 language tag such as en-US',
  mediaUrl: 'must be an https URL or sound:<name>',
  webhookUrl: 'must be an http or https URL',
  dialTarget: 'must be an E.164 number (+14155550123), an endpoint (PJSIP/alice) or a template',
  phoneNumber: 'must be an E.164 number (+14155550123) or a template',
  flowId: 'must be a flow id (flow_ followed by 26 characters)',
};

/** Escapes one reference token of a JSON pointer (RFC 6901). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function definitionName(schemaPath: string): string | undefined {
  return /^#\/definitions\/([^/]+)\//.exec(schemaPath)?.[1];
}

function describeError(error: ErrorObject): string {
  const named = definitionName(error.schemaPath);
  if ((error.keyword === 'pattern' || error.keyword === 'type') && named) {
    const message = DEFINITION_MESSAGES[named];
    if (message) return message;
  }
  if (error.keyword === 'const') return `must be "${String(error.params.allowedValue)}"`;
  if (error.keyword === 'enum') {
    return `must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}`;
  }
  return error.message ?? 'is invalid';
}

function describeUnknownVerb(error: ErrorObject): FieldError {
  const allowed = error.instancePath.endsWith('/prompt') ? PROMPT_VERBS : FLOW_VERBS;
  const tag = JSON.stringify(error.params.tagValue);
  return {
    path: `${error.instancePath}/verb`,
    message: `unknown verb ${tag}; expected one of: ${allowed.join(', ')}`,
  };
}

/** Turns one ajv error into a field error, or undefined when another error already says it. */
function toFieldError(error: ErrorObject, oneOfPaths: Set<string>): FieldError | undefined {
  const { instancePath, keyword, params } = error;
  if (keyword === 'discriminator') {
    return params.error === 'mapping' ? describeUnknownVerb(error) : undefined;
  }
  if (keyword === 'propertyNames') return undefined;
  if ('propertyName' in error && typeof error.propertyName === 'string') {
    const path = `${instancePath}/${escapePointerToken(error.propertyName)}`;
    return { path, message: `is not a valid key: ${describeError(error)}` };
  }
  if (keyword === 'additionalProperties') {
    const name = String(params.additionalProperty);
    return { path: `${instancePath}/${escapePointerToken(name)}`, message: 'is not allowed here' };
  }
  if (keyword === 'required') {
    const name = String(params.missingProperty);
    return { path: `${instancePath}/${escapePointerToken(name)}`, message: 'is required' };
  }
  if (keyword === 'oneOf') {
    return {
      path: instancePath,
      message: 'must be a string, a number, or an array of strings and numbers',
    };
  }
  if (keyword === 'anyOf') return { path: instancePath, message: 'must be a string or a number' };
  if (oneOfPaths.has(instancePath)) return undefined;
  return { path: instancePath, message: describeError(error) };
}

/**
 * Maps ajv's errors to `{ path, message }` with `path` a JSON pointer into the definition:
 * an unknown property points at the property itself, a missing one at where it belongs, a
 * bad key of a map at that key, and an unknown verb at `verb` with the list of verbs. The
 * schema's only non-discriminated `oneOf` (a condition's `value`) is reported once, not once
 * per alternative.
 */
export function toFieldErrors(errors: readonly ErrorObject[]): FieldError[] {
  const oneOfPaths = new Set(
    errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath),
  );
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors) {
    const field = toFieldError(error, oneOfPaths);
    if (!field) continue;
    const key = `${field.path}\n${field.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(field);
  }
  return result;
}
