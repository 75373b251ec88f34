import { Router, type RequestHandler } from 'express';
import {
  answeredWithResource,
  answerWithOf,
  paginate,
  pageOf,
  projectIdOf,
  validQuery,
  type Validate,
} from '../platform/index.js';
import { callView } from './call-view.js';
import type { CallsService } from './calls.service.js';
import type { CallFilters, CallsStore } from './calls.store.js';

/** `/v1/calls`: place, read, list, hang up and redirect calls; the timeline (API.md "Calls"). */
export function createCallsRouter(deps: {
  service: CallsService;
  store: CallsStore;
  auth: { project: RequestHandler[] };
  validate: Validate;
}) {
  const { service, store, auth, validate } = deps;
  const router = Router();

  router.post('/v1/calls', ...auth.project, validate('createCall'), async (req, res) => {
    const answerWith = answerWithOf(res, 201, callView);
    const row = await service.create(projectIdOf(req.auth), req.body, answerWith);
    answeredWithResource(res);
    req.log.info({ call_id: row.id, flow_id: row.flow_id }, 'call queued');
    res.status(201).json(callView(row));
  });

  router.get('/v1/calls', ...auth.project, validate('listCalls'), async (req, res) => {
    const query = validQuery(res);
    res.json(
      await paginate(store.listQuery(projectIdOf(req.auth), query as CallFilters), pageOf(query), {
        prefix: 'call',
        map: callView,
      }),
    );
  });

  router.get('/v1/calls/:id', ...auth.project, validate('getCall'), async (req, res) => {
    res.json(callView(await service.requireCall(projectIdOf(req.auth), req.params.id as string)));
  });

  router.post('/v1/calls/:id/hangup', ...auth.project, validate('hangupCall'), async (req, res) => {
    res.json(callView(await service.hangup(projectIdOf(req.auth), req.params.id as string)));
  });

  router.post(
    '/v1/calls/:id/redirect',
    ...auth.project,
    validate('redirectCall'),
    async (req, res) => {
      const projectId = projectIdOf(req.auth);
      const row = await service.redirect(projectId, req.params.id as string, req.body.flow_id);
      res.json(callView(row));
    },
  );

  router.get(
    '/v1/calls/:id/events',
    ...auth.project,
    validate('listCallEvents'),
    async (req, res) => {
      res.json(
        await service.timeline(
          projectIdOf(req.auth),
          req.params.id as string,
          pageOf(validQuery(res)),
        ),
      );
    },
  );

  return router;
}
