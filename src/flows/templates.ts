import { FLOW_LIMITS } from './flow-types.js';

/** What a template or a branch condition can read. */
export interface TemplateScope {
  call: { id: string; from: string; to: string };
  variables: Readonly<Record<string, string>>;
  /** The digits the last gather collected ("" after a timeout or before any gather). */
  lastDigits: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.]{1,80})\s*\}\}/g;

/**
 * A URL with its `{{references}}` filled in, each value percent-encoded (so a value stays
 * inside the part of the URL its placeholder is in): `https://app/ivr?from={{call.from}}`.
 */
export function renderUrlTemplate(template: string, scope: TemplateScope): string {
  return renderTemplate(template, scope, encodeURIComponent);
}

function readVariable(variables: Readonly<Record<string, string>>, name: string): string {
  return Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : '';
}

/**
 * Reads one reference: `vars.<name>`, `call.id`, `call.from`, `call.to` or `digits`. With
 * `bareNames` (branch conditions), a plain `<name>` reads that variable too. Anything else is
 * "" — a template never fails and never runs code.
 */
export function resolveReference(path: string, scope: TemplateScope, bareNames = false): string {
  if (path === 'digits') return scope.lastDigits;
  if (path === 'call.id') return scope.call.id;
  if (path === 'call.from') return scope.call.from;
  if (path === 'call.to') return scope.call.to;
  if (path.startsWith('vars.')) return readVariable(scope.variables, path.slice(5));
  if (bareNames && !path.includes('.')) return readVariable(scope.variables, path);
  return '';
}

/**
 * Replaces each `{{reference}}` with its value (unknown references become ""). The result is
 * cut at `FLOW_LIMITS.maxRenderedLength` so variables set by a webhook cannot blow up a prompt.
 * `encode` shapes each value first (a URL's values are percent-encoded).
 */
export function renderTemplate(
  template: string,
  scope: TemplateScope,
  encode: (value: string) => string = (value) => value,
): string {
  const rendered = template.replace(PLACEHOLDER, (_match, path: string) =>
    encode(resolveReference(path, scope)),
  );
  return rendered.length > FLOW_LIMITS.maxRenderedLength
    ? rendered.slice(0, FLOW_LIMITS.maxRenderedLength)
    : rendered;
}
