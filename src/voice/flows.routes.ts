import { Router, type RequestHandler } from 'express';
import {
  decodeNumberCursor,
  encodeNumberCursor,
  NotFoundError,
  pageFromRows,
  paginate,
  pageOf,
  projectIdOf,
  validParams,
  validQuery,
  type Validate,
} from '../platform/index.js';
import { acceptFlowDefinition, MAX_FLOW_BYTES } from './flow-definition.js';
import type { FlowsService } from './flows.service.js';
import type { FlowRow, FlowsStore, FlowVersionRow } from './flows.store.js';

export function flowView(row: FlowRow, active?: FlowVersionRow) {
  return {
    id: row.id,
    name: row.name,
    active_version: row.active_version,
    latest_version: row.latest_version,
    ...(active && { definition: active.definition }),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function flowVersionView(row: FlowVersionRow, flow: FlowRow) {
  return {
    flow_id: row.flow_id,
    version: row.version,
    active: row.version === flow.active_version,
    definition: row.definition,
    created_at: row.created_at.toISOString(),
  };
}

/** `/v1/flows`: versioned call flows, validation and simulation (API.md "Flows"). */
export function createFlowsRouter(deps: {
  service: FlowsService;
  store: FlowsStore;
  auth: { project: RequestHandler[] };
  validate: Validate;
}) {
  const { service, store, auth, validate } = deps;
  const router = Router();

  router.post('/v1/flows/validate', ...auth.project, validate('validateFlow'), (req, res) => {
    acceptFlowDefinition(req.body.definition, { prefix: '', maxBytes: MAX_FLOW_BYTES });
    res.json({ valid: true });
  });

  router.post('/v1/flows', ...auth.project, validate('createFlow'), async (req, res) => {
    const projectId = projectIdOf(req.auth);
    const { flow, version } = await service.create(projectId, req.body.name, req.body.definition);
    res.status(201).json(flowView(flow, version));
  });

  router.get('/v1/flows', ...auth.project, validate('listFlows'), async (req, res) => {
    const query = store.listQuery(projectIdOf(req.auth));
    res.json(
      await paginate(query, pageOf(validQuery(res)), {
        prefix: 'flow',
        map: (row: FlowRow) => flowView(row),
      }),
    );
  });

  router.get('/v1/flows/:id', ...auth.project, validate('getFlow'), async (req, res) => {
    const found = await store.findActive(projectIdOf(req.auth), req.params.id as string);
    if (!found) throw new NotFoundError('Flow');
    res.json(flowView(found.flow, found.version));
  });

  router.post(
    '/v1/flows/:id/versions',
    ...auth.project,
    validate('createFlowVersion'),
    async (req, res) => {
      const projectId = projectIdOf(req.auth);
      const { flow, version } = await service.addVersion(
        projectId,
        req.params.id as string,
        req.body.definition,
      );
      res.status(201).json(flowVersionView(version, flow));
    },
  );

  router.get(
    '/v1/flows/:id/versions',
    ...auth.project,
    validate('listFlowVersions'),
    async (req, res) => {
      const projectId = projectIdOf(req.auth);
      const flow = await service.requireFlow(projectId, req.params.id as string);
      const page = pageOf(validQuery(res));
      const before = page.cursor ? decodeNumberCursor(page.cursor) : null;
      const rows = await store.listVersions(projectId, flow.id, { before, limit: page.limit + 1 });
      res.json(
        pageFromRows(
          rows,
          page.limit,
          (v) => flowVersionView(v, flow),
          (last) => encodeNumberCursor(last.version),
        ),
      );
    },
  );

  router.post(
    '/v1/flows/:id/versions/:version/activate',
    ...auth.project,
    validate('activateFlowVersion'),
    async (req, res) => {
      const params = validParams(req, res);
      const { flow, version } = await service.activate(
        projectIdOf(req.auth),
        params.id,
        Number(params.version),
      );
      res.json(flowView(flow, version));
    },
  );

  router.post(
    '/v1/flows/:id/simulate',
    ...auth.project,
    validate('simulateFlow'),
    async (req, res) => {
      const result = await service.simulate(projectIdOf(req.auth), req.params.id as string, {
        inputs: req.body.inputs ?? [],
        variables: req.body.variables,
        version: req.body.version,
      });
      res.json(result);
    },
  );

  return router;
}
