import express, { Router, type RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import {
  createHttpLogger,
  createMetrics,
  methodNotAllowed,
  notFoundHandler,
  parseJson,
  problemHandler,
  requireJson,
  type Logger,
  type OpenApiDocument,
} from './platform/index.js';

export interface AppDeps {
  logger: Logger;
  openapi: OpenApiDocument;
  metrics: ReturnType<typeof createMetrics>;
  /** Each dependency's reachability for /readyz. */
  readiness: () => Promise<Record<string, boolean>>;
  /** Feature routers, mounted in order. */
  routers: Router[];
  trustProxy: boolean;
}

function healthRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(deps.openapi);
  });
  router.use('/docs', swaggerUi.serve as RequestHandler[]);
  router.get(
    '/docs',
    swaggerUi.setup(deps.openapi as swaggerUi.JsonObject, {
      customSiteTitle: 'Trunkline API',
    }) as RequestHandler,
  );
  return router;
}

/**
 * The middlewares every request passes, as one Express layer: Express's loop spends more per
 * layer (path matching, parameter bookkeeping) than these small functions do. Each runs as if
 * mounted on its own: an error it throws or passes to `next` goes to the error handler.
 */
function inSequence(handlers: RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const step = (err?: unknown): void => {
      if (err) return next(err);
      const handler = handlers[index++];
      if (!handler) return next();
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch(next);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}

/** Builds the Express app from the feature routers; owns nothing but the HTTP pipeline. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  app.set('query parser', 'simple');
  // Responses are dynamic and the API has no conditional requests: no ETag hashing of bodies.
  app.set('etag', false);
  app.use(
    inSequence([createHttpLogger(deps.logger), deps.metrics.middleware, requireJson, parseJson]),
  );
  app.use(healthRouter(deps));
  for (const router of deps.routers) app.use(router);
  app.use(methodNotAllowed(deps.routers));
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
