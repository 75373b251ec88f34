import type { RequestHandler, Router } from 'express';
import { AppError } from '../errors.js';

/** The parts of Express's router a 405 needs (its route layers: a path test and methods). */
interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): boolean;
}

/**
 * For a request no route took: 405 with `Allow` when a route has this path under other
 * methods, else on to the 404 (a wrong method was answered "Route not found", the same as a
 * wrong path). Reads the routers' own route table, so it cannot drift from the routes.
 */
export function methodNotAllowed(routers: readonly Router[]): RequestHandler {
  return (req, _res, next) => {
    const allowed = new Set<string>();
    for (const router of routers) {
      for (const layer of router.stack as unknown as RouteLayer[]) {
        if (!layer.route || !layer.match(req.path)) continue;
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') allowed.add(method.toUpperCase());
        }
      }
    }
    if (allowed.size === 0) return next();
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    throw new AppError(
      405,
      'method_not_allowed',
      `${req.method} is not allowed here; this path takes ${allow}.`,
      { headers: { Allow: allow }, retryable: false },
    );
  };
}
