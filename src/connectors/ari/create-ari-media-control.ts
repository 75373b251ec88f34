import type { Logger } from '../../platform/index.js';
import { createCallCommands, createQueryCommands } from './ari-commands.js';
import { openAriEventStream } from './ari-event-stream.js';
import { normaliseAriEvent } from './ari-events.js';
import { basicAuthorization, createAriHttp, parseAriUrl } from './ari-http.js';
import type { MediaControl, MediaEvent } from './media-control.js';
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './reconnect-delay.js';

/** Connection settings; only `url` and `app` come from the environment (ARI_URL, ARI_APP). */
export interface AriMediaControlConfig {
  /** `http://user:password@host:8088`. */
  url: string;
  /** The Stasis application name. */
  app: string;
  /** Deadline of each REST call (default 5 s). */
  requestTimeoutMs?: number;
  /** WebSocket back-off (defaults: 250 ms doubling to 30 s, 50 % jitter). */
  reconnect?: Partial<ReconnectPolicy>;
  /** WebSocket ping period (default 15 s; 0 disables). */
  heartbeatMs?: number;
}

/**
 * MediaControl over Asterisk ARI: REST through a keep-alive HTTP pool, events through a
 * self-healing WebSocket. It speaks ARI directly instead of through ari-client, whose swagger
 * layer turns every HTTP error into a bare message (so statuses cannot be mapped), never settles
 * a request Asterisk does not answer, can throw uncaught on a bad swagger load or an unknown
 * event type, and stops reconnecting after ten attempts. ari-client remains the reference the
 * sandbox PBX is checked against.
 *
 * Connecting starts at once, in the background; `ready` tells when events flow.
 */
export function createAriMediaControl(
  config: AriMediaControlConfig,
  deps: { logger: Logger; random?: () => number },
): MediaControl {
  const endpoint = parseAriUrl(config.url);
  const logger = deps.logger.child({ component: 'ari', app: config.app });
  const http = createAriHttp(endpoint, config.requestTimeoutMs ?? 5_000);
  const fanout = createEventFanout(logger);
  let closing: Promise<void> | undefined;
  const wsOrigin = endpoint.origin.replace(/^http/, 'ws');
  const stream = openAriEventStream(
    {
      url: `${wsOrigin}/ari/events?app=${encodeURIComponent(config.app)}`,
      authorization: basicAuthorization(endpoint),
      reconnect: { ...DEFAULT_RECONNECT_POLICY, ...config.reconnect },
      heartbeatMs: config.heartbeatMs ?? 15_000,
      handshakeTimeoutMs: config.requestTimeoutMs ?? 5_000,
    },
    {
      onMessage: (message) => {
        if (isApplicationReplaced(message)) {
          logger.error('another client took over the ARI application; events stop here');
        }
        const event = normaliseAriEvent(message);
        if (event) fanout.emit(event);
      },
      onConnectionChange: (up) => fanout.emit({ type: 'connection', up }),
    },
    { logger, random: deps.random ?? Math.random },
  );

  return {
    get ready() {
      return stream.ready;
    },
    ...createCallCommands(http, config.app),
    ...createQueryCommands(http),
    onEvent: (handler) => fanout.subscribe(handler),
    close() {
      fanout.clear();
      closing ??= stream.close().then(() => http.close());
      return closing;
    },
  };
}

/**
 * Delivers each event to every subscriber, in order. A subscriber that throws or returns a
 * rejected promise is logged and skipped, so one faulty handler cannot starve the others or
 * throw into the WebSocket.
 */
function createEventFanout(logger: Logger) {
  const handlers = new Set<(event: MediaEvent) => void>();
  const logFailure = (err: unknown, event: MediaEvent) =>
    logger.error({ err, event: event.type }, 'media event handler failed');
  return {
    emit(event: MediaEvent): void {
      for (const handler of [...handlers]) {
        try {
          const result: unknown = handler(event);
          if (result instanceof Promise) result.catch((err: unknown) => logFailure(err, event));
        } catch (err) {
          logFailure(err, event);
        }
      }
    },
    subscribe(handler: (event: MediaEvent) => void): () => void {
      const own = (event: MediaEvent) => handler(event);
      handlers.add(own);
      return () => {
        handlers.delete(own);
      };
    },
    clear: () => handlers.clear(),
  };
}

function isApplicationReplaced(message: unknown): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'ApplicationReplaced'
  );
}
