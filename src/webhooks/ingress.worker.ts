import type { Clock, JobHandler, Logger } from '../platform/index.js';
import type { ConnectorsStore } from './connectors.store.js';
import { INGRESS_QUEUE, type IngressKind } from './ingress-writer.js';

/** A normalised provider event handed to the feature that owns its kind. */
export interface IngressEvent {
  connectorId: string;
  providerEventId: string;
  kind: IngressKind;
  payload: Record<string, unknown>;
}

/** Applies one provider event; must be idempotent (a job can run twice). */
export type IngressProcessor = (event: IngressEvent, logger: Logger) => Promise<void>;

/**
 * Processes stored ingress events by kind: messaging registers `dlr` and `mo`, voice
 * `call-event`. A kind with no processor yet is kept stored (and logged), not dropped.
 */
export function createIngressHandler(deps: { store: ConnectorsStore; clock: Clock }) {
  const processors = new Map<IngressKind, IngressProcessor>();
  const handler: JobHandler = {
    queue: INGRESS_QUEUE,
    concurrency: 20,
    async handle(job) {
      const connectorId = String(job.data.connector_id);
      const providerEventId = String(job.data.provider_event_id);
      const row = await deps.store.findIngressEvent(connectorId, providerEventId);
      if (!row || row.processed_at) return;
      const processor = processors.get(row.kind as IngressKind);
      if (processor) {
        await processor(
          { connectorId, providerEventId, kind: row.kind, payload: row.payload },
          job.logger,
        );
      } else {
        job.logger.warn(
          { connector_id: connectorId, kind: row.kind },
          'no processor for ingress kind; event kept',
        );
      }
      await deps.store.markProcessed(connectorId, providerEventId, deps.clock.now());
    },
  };
  return {
    handler,
    register(kind: IngressKind, processor: IngressProcessor) {
      processors.set(kind, processor);
    },
  };
}
