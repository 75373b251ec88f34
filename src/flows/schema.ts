import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * The JSON Schema of the flow language, read from `flows/schema.json` at the repository root
 * (the same file a visual designer or an outside tool uses), compiled once per process.
 * `discriminator` lets ajv pick the verb's schema from `verb` instead of trying every branch
 * of the `oneOf`, so a wrong field is reported once, against the verb the author meant.
 */
export const flowSchema: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../flows/schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

let compiled: ValidateFunction | undefined;

function compileFlowSchema(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, discriminator: true });
    compiled = ajv.compile(flowSchema);
  }
  return compiled;
}

/** Checks `definition` against the schema; returns ajv's raw errors (empty when it conforms). */
export function checkFlowSchema(definition: unknown): ErrorObject[] {
  const validate = compileFlowSchema();
  return validate(definition) ? [] : [...(validate.errors ?? [])];
}
