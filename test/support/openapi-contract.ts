import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import type { Router } from 'express';
import { loadOpenApi } from '../../src/platform/index.js';
import { call, type TestResponse } from './http.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const COMPOSITIONS = ['allOf', 'oneOf', 'anyOf'] as const;

/** A copy of `node` with every local `$ref` replaced by what it points at (no cycles allowed). */
function inlineRefs(doc: Node, node: unknown, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((item) => inlineRefs(doc, item, seen));
  if (!isNode(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) throw new Error(`openapi.yaml: a cycle through ${ref}`);
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((at, part) => (isNode(at) ? at[part] : undefined), doc);
    if (target === undefined) throw new Error(`openapi.yaml: ${ref} points at nothing`);
    return inlineRefs(doc, target, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineRefs(doc, v, seen)]));
}

/** An object schema that says nothing of its properties: free-form (attributes, settings). */
const isOpen = (schema: Node) =>
  (schema.additionalProperties !== undefined && schema.additionalProperties !== false) ||
  (schema.type === 'object' && !schema.properties && !COMPOSITIONS.some((k) => schema[k]));

/** Whether a schema (or the composition it is) lists properties. */
const listsProperties = (schema: Node): boolean =>
  schema.properties !== undefined ||
  COMPOSITIONS.some((k) => (schema[k] as Node[] | undefined)?.some(listsProperties));

/**
 * Closes every object schema that lists its properties (`unevaluatedProperties: false`), so
 * a field the document does not list fails. A member of a composition is left to its parent,
 * which is closed unless a member is free-form; explicitly free-form objects stay open.
 */
function closeSchema(node: unknown, member = false): unknown {
  if (Array.isArray(node)) return node.map((item) => closeSchema(item, member));
  if (!isNode(node)) return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && isNode(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closeSchema(v)]));
    } else if ((COMPOSITIONS as readonly string[]).includes(key) && Array.isArray(value)) {
      out[key] = value.map((item) => closeSchema(item, true));
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = closeSchema(value);
    } else out[key] = value;
  }
  const members = COMPOSITIONS.flatMap((k) => (node[k] as Node[] | undefined) ?? []);
  const closable =
    !member &&
    node.additionalProperties === undefined &&
    listsProperties(node) &&
    !members.some(isOpen);
  return closable ? { ...out, unevaluatedProperties: false } : out;
}

/** The response an operation declares for a status ('' when it lists none). */
interface Declared {
  description: string;
  content?: Record<string, { schema?: unknown }>;
}

/**
 * openapi.yaml as a strict contract for what the server answers: response bodies, webhook
 * bodies and realtime frames are checked against their schemas with every `$ref` inlined
 * and every described object closed, so an undocumented field, a missing required one or a
 * status the operation does not list is an error. Each check returns its errors (none: ok).
 */
export function createResponseContract(doc = loadOpenApi() as unknown as Node) {
  const ajv = new Ajv2020({ strict: true, allErrors: true, strictTypes: false });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();

  function validatorOf(key: string, schema: unknown): ValidateFunction {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(closeSchema(inlineRefs(doc, schema)) as object);
      compiled.set(key, validate);
    }
    return validate;
  }

  function errorsOf(key: string, schema: unknown, value: unknown): string[] {
    const validate = validatorOf(key, schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
    );
  }

  const paths = doc.paths as Record<string, Record<string, Node>>;

  /** What `method template` declares for `status` (the status itself, never `default`). */
  function declared(method: string, template: string, status: number): Declared | null {
    const operation = paths[template]?.[method.toLowerCase()];
    if (!operation) throw new Error(`openapi.yaml has no ${method} ${template}`);
    const response = (operation.responses as Node)[String(status)];
    return response === undefined ? null : (inlineRefs(doc, response) as Declared);
  }

  return {
    /** A response of `method template`: its status is listed, its body is what it declares. */
    checkResponse(
      method: string,
      template: string,
      response: { status: number; headers: Headers; body: unknown; text: string },
    ): string[] {
      const found = declared(method, template, response.status);
      if (!found) return [`${response.status} is not listed for ${method} ${template}`];
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
      if (!found.content) {
        return response.text === '' ? [] : [`${response.status} declares no body, got one`];
      }
      const schema = found.content[mediaType]?.schema;
      if (!schema) return [`${response.status} declares no ${mediaType || 'empty'} body`];
      return errorsOf(
        `${method} ${template} ${response.status} ${mediaType}`,
        schema,
        response.body,
      );
    },

    /** A webhook body: its type is listed under x-webhooks, and the body is that schema. */
    checkWebhook(event: { type: string | null; body: string }): string[] {
      const hooks = doc['x-webhooks'] as Record<string, { post: Node }>;
      const hook = event.type ? hooks[event.type] : undefined;
      if (!hook) return [`webhook type ${event.type} is not listed under x-webhooks`];
      const body = hook.post.requestBody as { content: Record<string, { schema: unknown }> };
      return errorsOf(
        `webhook ${event.type}`,
        body.content['application/json'].schema,
        JSON.parse(event.body),
      );
    },

    /** A frame the realtime socket pushed. */
    checkFrame(frame: unknown): string[] {
      return errorsOf('frame', { $ref: '#/components/schemas/RealtimeServerFrame' }, frame);
    },

    /** Every `METHOD /path` the document describes under `paths`. */
    operations(): string[] {
      return Object.entries(paths).flatMap(([template, methods]) =>
        Object.keys(methods)
          .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => `${m.toUpperCase()} ${template}`),
      );
    },
  };
}

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

/** Every `METHOD /path` the Express app routes (`:name` written `{name}`), from its routers. */
export function expressRoutes(router: Router): string[] {
  const found: string[] = [];
  const walk = (layers: RouteLayer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') found.push(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(router.stack as unknown as RouteLayer[]);
  return found;
}

/** A request whose answer is checked: `as` is the bearer credential ('' for none). */
export interface DescribedRequest {
  status: number;
  params?: Record<string, string>;
  query?: string;
  as?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/**
 * Sends requests and checks each answer against the contract: the expected status, listed
 * for the operation, with exactly the body its schema describes. `target` gives the server
 * and the default credential; `checked` collects the `METHOD /template` of each answer.
 */
export function createDescribedClient(
  contract: ReturnType<typeof createResponseContract>,
  target: () => { url: string; key: string },
) {
  const checked = new Set<string>();
  async function described<T = Record<string, unknown> & { id: string }>(
    method: string,
    template: string,
    options: DescribedRequest,
  ): Promise<TestResponse<T>> {
    const { url, key } = target();
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(options.params![name]),
    );
    const res = await call<T>(url, method, options.query ? `${path}?${options.query}` : path, {
      key: options.as ?? key,
      body: options.body,
      rawBody: options.rawBody,
      headers: options.headers,
    });
    expect(res.status, `${method} ${path}: ${res.text}`).to.equal(options.status);
    expect(contract.checkResponse(method, template, res), `${method} ${path}`).to.deep.equal([]);
    checked.add(`${method} ${template}`);
    return res;
  }
  return Object.assign(described, { checked });
}
