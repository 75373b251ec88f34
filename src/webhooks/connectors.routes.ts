import { Router, type RequestHandler } from 'express';
import {
  answerHoldsSecret,
  NotFoundError,
  UnprocessableError,
  pageOf,
  paginate,
  validQuery,
  type Clock,
  type IdGenerator,
  type Validate,
} from '../platform/index.js';
import type { ConnectorRow, ConnectorsStore } from './connectors.store.js';
import { isValidCidr } from './ingress-verify.js';
import { generateWebhookSecret } from './signing.js';

function connectorView(row: ConnectorRow, withSecret = false) {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    allowed_cidrs: row.allowed_cidrs,
    settings: row.settings,
    ingress_url_path: `/v1/ingress/${row.id}/{dlr|mo|call-event}`,
    created_at: row.created_at.toISOString(),
    ...(withSecret && { secret: row.secret }),
  };
}

/** Operator routes for the provider connectors registry (`/admin/v1/connectors`). */
export function createConnectorsRouter(deps: {
  store: ConnectorsStore;
  ids: IdGenerator;
  clock: Clock;
  adminGuard: RequestHandler[];
  validate: Validate;
}) {
  const { store, validate } = deps;
  const router = Router();
  const guard = deps.adminGuard;

  router.post('/admin/v1/connectors', ...guard, validate('createConnector'), async (req, res) => {
    const body = req.body as {
      kind: ConnectorRow['kind'];
      name: string;
      allowed_cidrs?: string[];
      settings?: Record<string, unknown>;
    };
    const cidrs = body.allowed_cidrs ?? [];
    const bad = cidrs.findIndex((c) => !isValidCidr(c));
    if (bad !== -1) {
      throw new UnprocessableError('allowed_cidrs holds an invalid CIDR.', 'invalid_cidr', [
        { path: `/allowed_cidrs/${bad}`, message: 'is not a CIDR such as 203.0.113.0/24' },
      ]);
    }
    const row: ConnectorRow = {
      id: deps.ids('con'),
      kind: body.kind,
      name: body.name,
      secret: generateWebhookSecret(),
      allowed_cidrs: cidrs,
      settings: body.settings ?? {},
      created_at: deps.clock.now(),
    };
    await store.insert(row);
    answerHoldsSecret(res);
    res.status(201).json(connectorView(row, true));
  });

  router.get('/admin/v1/connectors', ...guard, validate('listConnectors'), async (_req, res) => {
    res.json(
      await paginate(store.listQuery(), pageOf(validQuery(res)), {
        prefix: 'con',
        map: (row: ConnectorRow) => connectorView(row),
      }),
    );
  });

  router.get('/admin/v1/connectors/:id', ...guard, validate('getConnector'), async (req, res) => {
    const row = await store.find(req.params.id as string);
    if (!row) throw new NotFoundError('Connector');
    res.json(connectorView(row));
  });

  router.delete(
    '/admin/v1/connectors/:id',
    ...guard,
    validate('deleteConnector'),
    async (req, res) => {
      if ((await store.remove(req.params.id as string)) === 0) throw new NotFoundError('Connector');
      res.status(204).end();
    },
  );

  return router;
}
