import { LRUCache } from 'lru-cache';
import {
  ForbiddenError,
  NotFoundError,
  isId,
  type Clock,
  type LeanRequest,
  type LeanRoute,
  type Logger,
  type Validate,
} from '../platform/index.js';
import type { ConnectorRow, ConnectorsStore } from './connectors.store.js';
import { isIpAllowed, verifyIngressSignature } from './ingress-verify.js';
import type { IngressKind, IngressWriter } from './ingress-writer.js';

// The two possible answers (ASCII, so `length` counts bytes).
const FIRST_COPY = JSON.stringify({ received: true, duplicate: false });
const REPLAY = JSON.stringify({ received: true, duplicate: true });
/** Connectors the ingress route keeps looked up (see `cache`). */
const CACHED_CONNECTORS = 1000;

/**
 * `POST /v1/ingress/{connector_id}/{kind}`: provider → Trunkline. The source address is checked
 * against the connector's allow-list (403), then the Standard Webhooks signature with the
 * connector's secret (401), then the body against the contract (400). The event is stored once
 * per (connector, provider event id); only the first copy schedules processing, so replays and
 * concurrent duplicates answer 200 and change nothing.
 *
 * A lean route (`platform/http/lean-routes.ts`), served ahead of Express: providers call it
 * far more often than developers call anything else, and Express's pipeline was more than
 * half its cost.
 */
export function createIngressRoute(deps: {
  store: ConnectorsStore;
  writer: IngressWriter;
  clock: Clock;
  /** The process logger: asked whether info is on before `req.log` (a child) is made. */
  logger: Logger;
  validate: Validate;
}) {
  const { store, validate } = deps;
  /**
   * Connectors looked up in the last 5 s, misses included, at most CACHED_CONNECTORS of them
   * (least recently used out first): before the signature is checked anyone may name any id,
   * and a map of every id ever named grew without bound (~12 KB per request with long ids).
   */
  const cache = new LRUCache<string, { row: ConnectorRow | null }>({
    max: CACHED_CONNECTORS,
    ttl: 5000,
  });

  async function connectorOf(id: string): Promise<ConnectorRow | undefined> {
    if (!isId(id, 'con')) return undefined;
    const hit = cache.get(id);
    if (hit) return hit.row ?? undefined;
    const row = await store.find(id);
    cache.set(id, { row: row ?? null });
    return row;
  }

  /** The connector of the request once its source address and signature pass (404/403/401). */
  async function verifiedConnector(req: LeanRequest): Promise<ConnectorRow> {
    const connector = await connectorOf(req.params.connector_id);
    if (!connector) throw new NotFoundError('Connector');
    if (!isIpAllowed(req.ip, connector.allowed_cidrs)) {
      throw new ForbiddenError(
        'This address may not send events for the connector.',
        'ip_not_allowed',
      );
    }
    verifyIngressSignature({
      headers: req.headers,
      rawBody: req.rawBody.toString('utf8'),
      secrets: [connector.secret],
      now: deps.clock.now(),
    });
    return connector;
  }

  const checkEvent = validate.input('ingestProviderEvent');
  const checkInboundMessage = validate.schema('IngressInboundMessage');

  return {
    method: 'POST',
    path: '/v1/ingress/:connector_id/:kind',
    async handle(req, res) {
      const connector = await verifiedConnector(req);
      const { params, body } = checkEvent({ params: req.params, body: req.body });
      const kind = params.kind as IngressKind;
      const payload = body as { provider_event_id: string | number };
      // An MO must be receivable like an SMPP MO: accepted, it could only fail in the worker,
      // lost after the provider had its 200.
      if (kind === 'mo') checkInboundMessage(body);
      const providerEventId = String(payload.provider_event_id);
      // Stored with its outbox row in one statement (batched with concurrent requests); a
      // replay or a concurrent copy inserts nothing and schedules nothing.
      const inserted = await deps.writer.store({
        connectorId: connector.id,
        providerEventId,
        kind,
        payload,
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
      const answer = inserted ? FIRST_COPY : REPLAY;
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', answer.length);
      res.end(answer);
    },
  } satisfies LeanRoute;
}
