import { Router, type RequestHandler } from 'express';
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
  const cache = new Map<string, { row: ConnectorRow | undefined; until: number }>();

  async function connectorOf(id: string): Promise<ConnectorRow | undefined> {
    const hit = cache.get(id);
    if (hit && hit.until > Date.now()) return hit.row;
    const row = await store.find(id);
    cache.set(id, { row, until: Date.now() + 5000 });
    return row;
  }

  const verify: RequestHandler = async (req, res, next) => {
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
    res.locals.connector = connector;
    next();
  };

  router.post(
    '/v1/ingress/:connector_id/:kind',
    verify,
    validate('ingestProviderEvent'),
    async (req, res) => {
      const connector = res.locals.connector as ConnectorRow;
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
      res.status(200).json({ received: true, duplicate: !inserted });
    },
  );

  return router;
}
