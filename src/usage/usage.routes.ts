import { Router, type RequestHandler } from 'express';
import { ValidationError, projectIdOf, validQuery, type Validate } from '../platform/index.js';
import type { createUsageStore } from './usage.store.js';

const MAX_DAYS = 366;

/** `GET /v1/usage?start=&end=`: one row per UTC day in the range, both ends included. */
export function createUsageRouter(deps: {
  store: ReturnType<typeof createUsageStore>;
  auth: { project: RequestHandler[] };
  validate: Validate;
}) {
  const router = Router();
  router.get('/v1/usage', ...deps.auth.project, deps.validate('getUsage'), async (req, res) => {
    const { start, end } = validQuery(res) as { start: string; end: string };
    const days = (Date.parse(end) - Date.parse(start)) / 86_400_000 + 1;
    if (!(days >= 1 && days <= MAX_DAYS)) {
      throw new ValidationError('end must be on or after start, at most 366 days later.', [
        { path: '/query/end', message: 'out of range' },
      ]);
    }
    res.json({ data: await deps.store.daily(projectIdOf(req.auth), start, end) });
  });
  return router;
}
