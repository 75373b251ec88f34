import { readFileSync } from 'node:fs';
import type { RequestHandler, Request, Response } from 'express';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { ValidationError, type FieldError } from '../errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv) => Ajv;

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  schema: object;
}

interface Operation {
  operationId?: string;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: object }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, unknown>;
}

interface CompiledOperation {
  body?: ValidateFunction;
  query?: ValidateFunction;
  params?: ValidateFunction;
  numerals: NumeralCheck[];
}

/**
 * A query or path parameter that must be a number. ajv's coercion reads any string `Number()`
 * reads (`0x10` as 16, `1e1` as 10, ` 7` as 7), so its spelling is checked first: decimal
 * digits, a sign, and for `number` a fraction.
 */
interface NumeralCheck {
  in: 'query' | 'path';
  name: string;
  spelling: RegExp;
  message: string;
}

const INTEGER_SPELLING = /^-?\d+$/;
const NUMBER_SPELLING = /^-?\d+(\.\d+)?$/;

function numeralChecks(params: Parameter[]): NumeralCheck[] {
  return params.flatMap((p): NumeralCheck[] => {
    const type = (p.schema as { type?: unknown }).type;
    if (p.in === 'header' || (type !== 'integer' && type !== 'number')) return [];
    return type === 'integer'
      ? [{ in: p.in, name: p.name, spelling: INTEGER_SPELLING, message: 'must be integer' }]
      : [{ in: p.in, name: p.name, spelling: NUMBER_SPELLING, message: 'must be number' }];
  });
}

/** The errors of numerals spelled other than in decimal digits. */
function misspeltNumerals(
  checks: NumeralCheck[],
  values: { query: Record<string, unknown>; path: Record<string, unknown> },
): FieldError[] {
  return checks.flatMap((check) => {
    const value = values[check.in][check.name];
    const prefix = check.in === 'query' ? '/query' : '/params';
    return typeof value === 'string' && !check.spelling.test(value)
      ? [{ path: `${prefix}/${check.name}`, message: check.message }]
      : [];
  });
}

/** The repository root, from source (tsx) or from the build (`dist/src/...`). */
function repositoryRoot(): URL {
  const here = new URL('../../../', import.meta.url);
  return here.pathname.endsWith('/dist/') ? new URL('../', here) : here;
}

/** The contract, read once at start from `openapi.yaml` at the repository root. */
export function loadOpenApi(): OpenApiDocument {
  return parse(readFileSync(new URL('openapi.yaml', repositoryRoot()), 'utf8')) as OpenApiDocument;
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] =
        k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `spec${v}` : rewriteRefs(v);
    }
    return out;
  }
  return node;
}

function createAjv(coerce: boolean, components: unknown): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: coerce, useDefaults: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'spec', components: rewriteRefs(components ?? {}) });
  return ajv;
}

function resolveParameter(doc: OpenApiDocument, param: Parameter | { $ref: string }): Parameter {
  if (!('$ref' in param)) return param;
  const name = param.$ref.replace('#/components/parameters/', '');
  const found = (doc.components?.parameters as Record<string, Parameter> | undefined)?.[name];
  if (!found) throw new Error(`openapi.yaml: unknown parameter ${param.$ref}`);
  return found;
}

function objectSchemaOf(params: Parameter[]) {
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, rewriteRefs(p.schema)])),
    required: params.filter((p) => p.required).map((p) => p.name),
  };
}

/** Turns ajv errors into our `{ path, message }` list, with `prefix` for query and params. */
export function fieldErrorsOf(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  return (errors ?? []).map((e) => {
    const params = e.params as { missingProperty?: string; additionalProperty?: string };
    if (e.keyword === 'required')
      return {
        path: `${prefix}${e.instancePath}/${params.missingProperty}`,
        message: 'is required',
      };
    if (e.keyword === 'additionalProperties') {
      return {
        path: `${prefix}${e.instancePath}/${params.additionalProperty}`,
        message: 'is not an allowed field',
      };
    }
    return { path: `${prefix}${e.instancePath}` || '/', message: e.message ?? 'is invalid' };
  });
}

/**
 * Compiles request validators for every operation in the contract. `validate('createMessage')`
 * is the middleware for that operation: unknown body fields, wrong types and bad query values
 * answer 400 with each failing path. `validate.check(id)` is the same check as a function that
 * throws, for a handler that runs it itself.
 */
export function createRequestValidation(doc: OpenApiDocument) {
  const strict = createAjv(false, doc.components);
  const coercing = createAjv(true, doc.components);
  const operations = new Map<string, CompiledOperation>();
  for (const methods of Object.values(doc.paths)) {
    for (const operation of Object.values(methods)) {
      if (!operation?.operationId) continue;
      const params = (operation.parameters ?? []).map((p) => resolveParameter(doc, p));
      const query = params.filter((p) => p.in === 'query');
      const path = params.filter((p) => p.in === 'path');
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      operations.set(operation.operationId, {
        body: bodySchema ? strict.compile(rewriteRefs(bodySchema) as object) : undefined,
        query: query.length ? coercing.compile(objectSchemaOf(query)) : undefined,
        params: path.length ? coercing.compile(objectSchemaOf(path)) : undefined,
        numerals: numeralChecks([...query, ...path]),
      });
    }
  }

  /**
   * The operation's checks on plain values: throws `ValidationError` listing every failing
   * path, else gives the params and query as validated (and type-coerced).
   */
  function input(operationId: string) {
    const op = operations.get(operationId);
    if (!op) throw new Error(`openapi.yaml has no operation ${operationId}`);
    return (request: {
      params?: Record<string, string>;
      query?: Record<string, unknown>;
      body?: unknown;
    }): { params: Record<string, string>; query: Record<string, unknown>; body: unknown } => {
      const params = { ...request.params };
      const query = { ...request.query };
      const errors = misspeltNumerals(op.numerals, { query, path: params });
      const flagged = new Set(errors.map((e) => e.path));
      const unflagged = (found: FieldError[]) => found.filter((e) => !flagged.has(e.path));
      if (op.params && !op.params(params)) {
        errors.push(...unflagged(fieldErrorsOf(op.params.errors, '/params')));
      }
      if (op.query && !op.query(query)) {
        errors.push(...unflagged(fieldErrorsOf(op.query.errors, '/query')));
      }
      let body = request.body;
      if (op.body) {
        // No body at all reads as `{}`: a required one then fails on its required fields, an
        // optional one (simulate's) reaches its handler as an empty object, never undefined.
        if (body === undefined) body = {};
        if (!op.body(body)) errors.push(...fieldErrorsOf(op.body.errors));
      }
      if (errors.length > 0) throw new ValidationError('The request is not valid.', errors);
      return { params, query, body };
    };
  }

  function check(operationId: string): (req: Request, res: Response) => void {
    const op = operations.get(operationId);
    const run = input(operationId);
    return (req, res) => {
      const valid = run({
        params: op!.params ? (req.params as Record<string, string>) : undefined,
        query: op!.query ? (req.query as Record<string, unknown>) : undefined,
        body: req.body,
      });
      if (op!.params) res.locals.params = valid.params;
      if (op!.query) res.locals.query = valid.query;
      req.body = valid.body;
    };
  }

  function validate(operationId: string): RequestHandler {
    const run = check(operationId);
    return (req, res, next) => {
      run(req, res);
      next();
    };
  }

  /**
   * The check of a value against a schema of the contract's components (for a body whose
   * shape depends on more than its operation): throws `ValidationError` listing every failing
   * path.
   */
  function schema(name: string): (value: unknown) => void {
    const run = strict.compile({ $ref: `spec#/components/schemas/${name}` });
    return (value) => {
      if (!run(value)) {
        throw new ValidationError('The request is not valid.', fieldErrorsOf(run.errors));
      }
    };
  }

  return Object.assign(validate, { check, input, schema });
}

/** The validated (and type-coerced) query of a request. */
export function validQuery(res: Response): Record<string, unknown> {
  return (res.locals.query as Record<string, unknown>) ?? {};
}

/** The validated path parameters of a request. */
export function validParams(req: Request, res: Response): Record<string, string> {
  return (res.locals.params as Record<string, string>) ?? req.params;
}

/** The request validator for one OpenAPI operation id (middleware, or `.check` to call). */
export type Validate = ReturnType<typeof createRequestValidation>;
