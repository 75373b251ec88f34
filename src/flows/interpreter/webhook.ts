import { FLOW_DEFAULTS, type WebhookStep } from '../flow-types.js';
import { renderUrlTemplate } from '../templates.js';
import type { HttpRequestCommand } from './flow-commands.js';
import type { StepEffect, StepScope, VerbHandler } from './verb-handler.js';

function buildRequest(step: WebhookStep, scope: StepScope): HttpRequestCommand {
  return {
    type: 'http_request',
    url: renderUrlTemplate(step.url, scope),
    method: step.method ?? FLOW_DEFAULTS.webhook.method,
    timeout: step.timeout ?? FLOW_DEFAULTS.webhook.timeout,
    body: {
      call: { id: scope.call.id, from: scope.call.from, to: scope.call.to },
      step: scope.name,
      variables: { ...scope.variables },
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The string, number and boolean members of the answer's `variables`, as strings. */
function readVariables(body: Record<string, unknown>): Record<string, string> {
  const variables: Record<string, string> = {};
  if (!isRecord(body.variables)) return variables;
  for (const [name, value] of Object.entries(body.variables)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      variables[name] = String(value);
    }
  }
  return variables;
}

function fail(step: WebhookStep, url: string, status: number, outcome: string): StepEffect {
  return {
    kind: 'move',
    next: step.on_error ?? step.next,
    report: { outcome, details: { url, status } },
  };
}

/**
 * webhook: ask the app, wait for `http_response`. A 2xx answer may set `variables` (strings,
 * numbers and booleans, stored as strings) and choose `next`; without `next` the step's own
 * `next` follows (also for `"next": null`). A non-2xx status, no answer (status 0), or a
 * `next` naming no step go to `on_error`, else `next`, without touching the variables.
 */
export const webhookHandler: VerbHandler<WebhookStep> = {
  enter: (step, scope) => ({ kind: 'wait', commands: [buildRequest(step, scope)] }),
  resume: (step, scope, event) => {
    if (event.type !== 'http_response') return undefined;
    const status = Number.isInteger(event.status) ? event.status : 0;
    const url = renderUrlTemplate(step.url, scope);
    if (status < 200 || status > 299) return fail(step, url, status, 'error');
    const body = isRecord(event.body) ? event.body : {};
    // `"next": null` is no choice, as an absent `next` (apps that serialize a missing value).
    const chosen = body.next ?? undefined;
    if (chosen !== undefined && (typeof chosen !== 'string' || !scope.hasStep(chosen))) {
      return fail(step, url, status, 'invalid_next');
    }
    return {
      kind: 'move',
      next: chosen ?? step.next,
      report: { outcome: 'ok', details: { url, status } },
      variables: readVariables(body),
    };
  },
};
