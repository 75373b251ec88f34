import type { NumbersStore } from '../numbers/index.js';
import { listenFor, normalizeProviderAddress, UpstreamError } from '../platform/index.js';
import type { IngressProcessor } from '../webhooks/index.js';
import { createInboundHandler } from './inbound.js';
import { createInboundPartsStore } from './inbound/index.js';
import { createMessageEvents } from './message-events.js';
import { createMessagesRouter } from './messages.routes.js';
import { createMessagesStore } from './messages.store.js';
import { createReceipts, outcomeOfStatusWord } from './receipts.js';
import { createSandboxSmsRouter } from './sandbox.routes.js';
import { createSendMessage } from './send-message.js';
import { createSendClaimsStore } from './send-claims.store.js';
import { createSendDispatcher } from './send-dispatcher.js';
import { createSender, madeProgress } from './sender.js';
import { SMS_CHANNEL } from './messages.store.js';
import { createSmsCarriers } from './sms-carriers.js';
import type { SharedDeps } from '../features.js';
import type { ChatFeature } from '../chat/index.js';

export interface MessagingDeps extends SharedDeps {
  numbers: NumbersStore;
  checkCallbackUrl(url: string, path: string): Promise<void>;
  registerIngressProcessor(kind: 'dlr' | 'mo', processor: IngressProcessor): void;
  queueConversationSms: ChatFeature['queueInboundSms'];
  smppUrl: string | null;
  /** See `createReceipts`' crossBaseWaitMs. */
  receiptCrossBaseWaitMs?: number;
  /** Bind to the SMSCs (send and receive) and send messages in this process: the worker role. */
  carriers: boolean;
  /** For the send dispatcher's LISTEN connection. */
  databaseUrl: string;
}

/** SMS: the API, the send dispatcher, receipts and inbound messages, and the SMPP binds. */
export function createMessagingFeature(deps: MessagingDeps) {
  const { db, clock, logger } = deps;
  const store = createMessagesStore(db);
  const recordEvent = createMessageEvents({
    events: deps.events,
    scheduleWebhook: deps.scheduleWebhook,
    numberUrl: async (trx, projectId, number) =>
      (await deps.numbers.findOwned(projectId, number, trx))?.sms_url ?? null,
  });
  const sendMessage = createSendMessage({
    db,
    store,
    ids: deps.ids,
    clock,
    recordEvent,
    findOwnedNumber: (projectId, number) => deps.numbers.findOwned(projectId, number),
    checkCallbackUrl: deps.checkCallbackUrl,
  });
  const carriers = createSmsCarriers({ smppUrl: deps.smppUrl, logger, clock });
  const receipts = createReceipts({
    db,
    store,
    recordEvent,
    clock,
    logger,
    crossBaseWaitMs: deps.receiptCrossBaseWaitMs,
    bindsOf: (connectorId) => carriers.bindsSharingAccount(connectorId),
  });
  const inbound = createInboundHandler({
    db,
    store,
    ids: deps.ids,
    clock,
    logger,
    recordEvent,
    receipts,
    sendMessage,
    parts: createInboundPartsStore(db),
    findNumber: (number) => deps.numbers.findByNumber(number),
    queueConversationSms: deps.queueConversationSms,
    accountOf: receipts.accountOf,
  });
  carriers.onInbound((pdu) => inbound.handlePdu(pdu));
  const dispatcher = createSendDispatcher({
    store: createSendClaimsStore(db),
    send: createSender({ db, store, carriers, receipts, recordEvent, clock, logger }).send,
    madeProgress,
    clock,
    logger,
    listen: (onNotify) =>
      listenFor({ databaseUrl: deps.databaseUrl, channel: SMS_CHANNEL, logger, onNotify }),
  });

  deps.registerIngressProcessor('dlr', async (event) => {
    // Providers' words come with stray spaces now and then (' delivered', 'DELIVRD '): those
    // changed nothing.
    const status = String(event.payload.status ?? '').trim();
    const result = await receipts.apply({
      connectorId: null,
      smscId: String(event.payload.provider_message_id ?? '').trim(),
      outcome: outcomeOfStatusWord(status),
      state: status,
      errorCode: event.payload.error_code === undefined ? null : String(event.payload.error_code),
    });
    // The receipt may beat our record of the part: retry the job for a while before giving up.
    if (result === 'unknown')
      throw new UpstreamError(
        'No message part has this provider message id yet.',
        'receipt_message_unknown',
      );
  });
  deps.registerIngressProcessor('mo', async (event) => {
    const p = event.payload as Record<string, string>;
    await inbound.receive({
      connectorId: event.connectorId,
      from: normalizeProviderAddress(p.from),
      to: normalizeProviderAddress(p.to),
      body: p.body ?? '',
    });
  });

  let timer: NodeJS.Timeout | null = null;
  let crossBaseTimer: NodeJS.Timeout | null = null;
  return {
    sendMessage,
    /** The sandbox SMSC of this process, if any (tests, benchmarks). */
    sandboxSmsc: () => carriers.sandbox(),
    /** Delivers what arrived of multi-part SMS given up on (a timer does it every 30 s). */
    flushIncompleteSms: () => inbound.flushExpired(),
    sendSms: async (input: { projectId: string; from: string; to: string; body: string }) => ({
      id: (await sendMessage.send(input)).id,
    }),
    feature: {
      routers: [
        createMessagesRouter({
          db,
          store,
          sendMessage,
          recordEvent,
          clock,
          auth: deps.auth,
          validate: deps.validate,
        }),
        createSandboxSmsRouter({
          carriers,
          auth: deps.auth,
          validate: deps.validate,
          findNumber: (n) => deps.numbers.findByNumber(n),
        }),
      ],
      async start() {
        if (!deps.carriers) return;
        await carriers.start();
        await dispatcher.start();
        timer = setInterval(() => {
          void inbound
            .flushExpired()
            .catch((err) => logger.error({ err }, 'reassembly flush failed'));
          void store
            .pruneEarlyReceipts(new Date(clock.now().getTime() - 24 * 3600_000))
            .catch(() => undefined);
        }, 30_000);
        timer.unref();
        // Twice per wait: a receipt is tried in its other bases at most 1.5 waits after it came.
        crossBaseTimer = setInterval(
          () =>
            void receipts
              .matchAcrossBases()
              .catch((err) => logger.error({ err }, 'matching waiting receipts failed')),
          Math.max(50, receipts.crossBaseWaitMs / 2),
        );
        crossBaseTimer.unref();
      },
      async stop() {
        if (timer) clearInterval(timer);
        if (crossBaseTimer) clearInterval(crossBaseTimer);
        if (deps.carriers) await dispatcher.stop();
        await carriers.stop();
      },
      readiness: async () => (deps.carriers ? carriers.readiness() : {}),
    },
  };
}
