import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { match, type MatchFunction } from 'path-to-regexp';
import proxyaddr from 'proxy-addr';
import { BadRequestError } from '../errors.js';
import type { Logger } from '../logger.js';
import { readJsonBody } from './body.js';
import { logAccessWhenClosed, requestIdOf } from './logging.js';
import type { createMetrics } from './metrics.js';
import { sendProblem } from './problem.js';

/**
 * Routes served ahead of Express, for machine-to-machine callbacks that arrive by the
 * thousand per second (provider ingress). The benchmark measured Express's request
 * pipeline (its router, body-parser, the response prototype) at more than half the CPU of
 * such a request: 3,934 events/s through Express, 8,340 without it, on the same handler.
 *
 * A lean route keeps the contract of every other route: the request id, the access line and
 * the metrics series, the JSON body checks (415, 413, 400), the client address under
 * TRUST_PROXY, and problem+json errors from the same `sendProblem`. It has no auth
 * middleware, idempotency or rate limit: a route that needs them belongs in Express.
 */

/** What a lean route's handler is given. */
export interface LeanRequest {
  id: string;
  /** Decoded path parameters. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The client address (the first X-Forwarded-For hop when TRUST_PROXY is set). */
  ip: string;
  body: unknown;
  /** The body's exact bytes, for signature checks. */
  rawBody: Buffer;
  /** The request's logger (request id on every line), made on first use. */
  readonly log: Logger;
}

export interface LeanRoute {
  method: 'POST';
  /** An Express-style path (`/v1/ingress/:connector_id/:kind`); also the metrics route label. */
  path: string;
  /** Answers the request; a throw is answered as problem+json. */
  handle(req: LeanRequest, res: ServerResponse): Promise<void>;
}

interface Compiled {
  route: LeanRoute;
  matches: MatchFunction<Record<string, string>>;
}

/** Path parameters, decoded; a malformed %-escape is the client's 400, as in Express. */
function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new BadRequestError(`The path segment "${value}" is not valid percent-encoding.`);
  }
}

/**
 * The HTTP server's request listener: a request for a lean route is served by it, every
 * other request by the Express app.
 */
export function createRequestListener(deps: {
  app: Express;
  routes: LeanRoute[];
  logger: Logger;
  metrics: Pick<ReturnType<typeof createMetrics>, 'track'>;
  trustProxy: boolean;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { app, logger, metrics } = deps;
  const trust = () => deps.trustProxy;
  const compiled: Compiled[] = deps.routes.map((route) => ({
    route,
    // Case-insensitive with an optional trailing slash, as Express matches its routes; the
    // decoding happens after the match, so a bad escape is a 400 rather than a throw here.
    matches: match(route.path, { decode: false }),
  }));

  async function serve(
    route: LeanRoute,
    rawParams: Record<string, string>,
    incoming: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const id = requestIdOf(incoming.headers['x-request-id']);
    res.setHeader('X-Request-Id', id);
    let child: Logger | undefined;
    const log = () => (child ??= logger.child({ request_id: id }));
    const url = incoming.url ?? '';
    logAccessWhenClosed(logger, res, { method: 'POST', url, log });
    metrics.track(res, 'POST', () => route.path);
    try {
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(rawParams)) params[name] = decodeParam(value);
      const { body, raw } = await readJsonBody(incoming);
      await route.handle(
        {
          id,
          params,
          headers: incoming.headers,
          ip: proxyaddr(incoming, trust),
          body,
          rawBody: raw,
          get log() {
            return log();
          },
        },
        res,
      );
    } catch (err) {
      sendProblem(res, err, url, log);
    }
  }

  return (req, res) => {
    if (compiled.length > 0 && req.method === 'POST') {
      const path = (req.url ?? '').split('?', 1)[0];
      for (const { route, matches } of compiled) {
        const found = matches(path);
        if (!found) continue;
        serve(route, found.params, req, res).catch((err: unknown) => {
          logger.error({ err }, 'unhandled error answering a request');
          res.destroy();
        });
        return;
      }
    }
    app(req, res);
  };
}
