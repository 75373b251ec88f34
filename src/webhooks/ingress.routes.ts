import { Router, type Request } from 'express';
import {
  ForbiddenError,
  NotFoundError,
  type Clock,
  type Logger,
  type Validate,
} from '../platform/index.js';
import type { ConnectorRow, ConnectorsStore } from './connectors.store.js';
import { isIpAllowed, verifyIngressSignature } from './ingress-verify.js';
import type { IngressKind, IngressWriter } from './ingress-writer.js';

// The two possible answers, as `res.json` would write them (ASCII, so `length` counts bytes);
// written directly, because `res.json` stringifies and re-parses its content type every time.
const FIRST_COPY = JSON.stringify({ received: true, duplicate: false });
const REPLAY = JSON.stringify({ received: true, duplicate: true });

/**
 * `POST /v1/ingress/{connector_id}/{kind}`: provider → Trunkline. The source address is checked
 * against the connector's allow-list (403), then the Standard Webhooks signature with the
 * connector's secret (401), then the body against the contract (400). The event is stored once
 * per (connector, provider event id); only the first copy schedules processing, so replays and
 * concurrent duplicates answer 200 and change nothing.
 */
export function createIngressRouter(deps: {
  store: ConnectorsStore;
  writer: IngressWriter;
  clock: Clock;
  /** The process logger: asked whether info is on before `req.log` (a child) is made. */
  logger: Logger;
  validate: Validate;
}) {
  const { store, validate } = deps;
  const router = Router();
  // Only /v1/ingress paths: the app tries this router before the others (see `mountFirst`).
  router.mountFirst = true;
  const cache = new Map<string, { row: ConnectorRow | undefined; until: number }>();

  async function connectorOf(id: string): Promise<ConnectorRow | undefined> {
    const hit = cache.get(id);
    if (hit && hit.until > Date.now()) return hit.row;
    const row = await store.find(id);
    cache.set(id, { row, until: Date.now() + 5000 });
    return row;
  }

  /** The connector of the request once its source address and signature pass (404/403/401). */
  async function verifiedConnector(req: Request): Promise<ConnectorRow> {
    const connector = await connectorOf(req.params.connector_id as string);
    if (!connector) throw new NotFoundError('Connector');
    if (!isIpAllowed(req.ip ?? '', connector.allowed_cidrs)) {
      throw new ForbiddenError(
        'This address may not send events for the connector.',
        'ip_not_allowed',
      );
    }
    verifyIngressSignature({
      headers: req.headers,
      rawBody: req.rawBody?.toString('utf8') ?? '',
      secrets: [connector.secret],
      now: deps.clock.now(),
    });
    return connector;
  }

  const checkEvent = validate.check('ingestProviderEvent');

  // One handler rather than a chain of three: each extra handler costs a pass through
  // Express's dispatch loop on every provider callback, the busiest route there is.
  router.post('/v1/ingress/:connector_id/:kind', async (req, res) => {
    const connector = await verifiedConnector(req);
    checkEvent(req, res);
    const kind = req.params.kind as IngressKind;
    const providerEventId = String(req.body.provider_event_id);
    // Stored with its outbox row in one statement (batched with concurrent requests); a
    // replay or a concurrent copy inserts nothing and schedules nothing.
    const inserted = await deps.writer.store({
      connectorId: connector.id,
      providerEventId,
      kind,
      payload: req.body,
    });
    if (deps.logger.isLevelEnabled('info')) {
      req.log.info(
        {
          connector_id: connector.id,
          provider_event_id: providerEventId,
          kind,
          duplicate: !inserted,
        },
        'ingress event',
      );
    }
    const body = inserted ? FIRST_COPY : REPLAY;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  });

  return router;
}
