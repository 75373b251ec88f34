import type { UserTokenVerifier } from '../accounts/index.js';
import type { BlobStore } from '../media/index.js';
import type { Redis, Trx } from '../platform/index.js';
import type { Feature } from '../runtime.js';
import { createChatLog } from './chat-log.js';
import { DEFAULT_LIMITS, type ChatContext, type ChatLimits } from './context.js';
import { createConversationsRouter } from './conversations.routes.js';
import { createConversationsService } from './conversations.service.js';
import { createConversationsStore } from './conversations.store.js';
import { createFilesRouter } from './files.routes.js';
import { createFilesService, DEFAULT_FILE_TYPES } from './files.service.js';
import { createFilesStore } from './files.store.js';
import { createIdentitiesStore } from './identities.store.js';
import {
  createInboundSmsHandler,
  createInboundSmsJobHandler,
  createInboundSmsQueue,
  type InboundSmsInput,
} from './inbound-sms.js';
import { createMembersService } from './members.service.js';
import { createMessageActions } from './message-actions.service.js';
import { createMessagesRouter } from './messages.routes.js';
import { createMessagesService } from './messages.service.js';
import { createMessagesStore } from './messages.store.js';
import { createFanout, type Fanout } from './realtime/fanout.js';
import {
  createRealtimeGateway,
  DEFAULT_REALTIME_OPTIONS,
  type RealtimeOptions,
} from './realtime/gateway.js';
import { createMembershipHistory } from './realtime/membership.js';
import { createPresence } from './realtime/presence.js';
import { MAX_REPLAY_EVENTS } from './realtime/session.js';
import {
  createEventTailer,
  DEFAULT_TAILER_OPTIONS,
  type TailerOptions,
} from './realtime/tailer.js';
import { createSearchRouter } from './search.routes.js';
import { createSmsCopyHandler } from './sms.js';
import { createTokensService } from './tokens.service.js';
import type { SharedDeps } from '../features.js';

/** How chat sends an SMS to a phone participant (provided by messaging). */
export type SendConversationSms = (input: {
  projectId: string;
  from: string;
  to: string;
  body: string;
}) => Promise<{ id: string }>;

/** Tunables; the defaults follow the issue (tests shrink timers and limits). */
export interface ChatOptions {
  limits: ChatLimits;
  realtime: RealtimeOptions;
  tailer: TailerOptions;
  /** Content types accepted for attachments. */
  fileTypes: readonly string[];
  /** Lifetime of presigned upload and download URLs. */
  uploadUrlTtlSec: number;
  downloadUrlTtlSec: number;
}

export interface ChatDeps extends SharedDeps {
  redis: Redis;
  redisUrl: string;
  redisPrefix: string;
  blobs: BlobStore;
  sendSms: SendConversationSms;
  /** Whether the project owns `number` (an SMS participant's proxy must be one of its own). */
  ownsNumber(projectId: string, number: string, via: Trx): Promise<boolean>;
  options?: Partial<ChatOptions>;
}

export interface ChatFeature {
  feature: Feature;
  verifyUserToken: UserTokenVerifier;
  /**
   * Posts an inbound SMS into the conversation bound to (from, to) if there is one; false
   * when no conversation takes it. What the `chat.sms.received` job runs.
   */
  handleInboundSms(input: InboundSmsInput): Promise<boolean>;
  /**
   * In the transaction storing an inbound SMS: queues its posting into the conversation bound
   * to (from, to), if there is one (true then).
   */
  queueInboundSms(trx: Trx, input: InboundSmsInput): Promise<boolean>;
}

/**
 * Chat, groups and realtime on the event store: REST routes for tokens, conversations,
 * members, messages, reads, search and files; the `chat.sms.send` worker for SMS
 * participants; and the WebSocket gateway, attached to the HTTP server in `onServer`.
 */
export function createChatFeature(deps: ChatDeps): ChatFeature {
  const options: ChatOptions = {
    limits: { ...DEFAULT_LIMITS, ...deps.options?.limits },
    realtime: { ...DEFAULT_REALTIME_OPTIONS, ...deps.options?.realtime },
    tailer: { ...DEFAULT_TAILER_OPTIONS, ...deps.options?.tailer },
    fileTypes: deps.options?.fileTypes ?? DEFAULT_FILE_TYPES,
    uploadUrlTtlSec: deps.options?.uploadUrlTtlSec ?? 900,
    downloadUrlTtlSec: deps.options?.downloadUrlTtlSec ?? 300,
  };
  const positions = deps.events;
  let fanout: Fanout | null = null;
  const tailer = createEventTailer({
    events: deps.events,
    positions,
    logger: deps.logger,
    options: options.tailer,
    dispatch: (events) => gateway.dispatch(events),
  });
  const log = createChatLog({
    db: deps.db,
    events: deps.events,
    scheduleWebhook: deps.scheduleWebhook,
    announce: (events) => {
      const list = events.map((e) => e.position);
      tailer.expect(list);
      fanout?.publish({ kind: 'events', positions: list });
    },
  });
  const ctx: ChatContext = {
    db: deps.db,
    conversations: createConversationsStore(deps.db),
    messages: createMessagesStore(deps.db),
    identities: createIdentitiesStore(deps.db),
    files: createFilesStore(deps.db),
    log,
    outbox: deps.outbox,
    ids: deps.ids,
    clock: deps.clock,
    logger: deps.logger,
    limits: options.limits,
    ownsNumber: deps.ownsNumber,
  };
  const tokens = createTokensService({
    identities: ctx.identities,
    ids: deps.ids,
    clock: deps.clock,
  });
  const conversations = createConversationsService(ctx);
  const members = createMembersService(ctx);
  const messages = createMessagesService(ctx);
  const actions = createMessageActions(ctx, messages);
  const files = createFilesService(ctx, { blobs: deps.blobs, options });
  ctx.checkFile = files.check;
  const gateway = createRealtimeGateway({
    events: deps.events,
    positions,
    redis: deps.redis,
    prefix: deps.redisPrefix,
    fanout: () => fanout!,
    presence: createPresence({
      redis: deps.redis,
      prefix: deps.redisPrefix,
      ttlMs: options.realtime.presenceTtlMs,
    }),
    clock: deps.clock,
    logger: deps.logger,
    options: options.realtime,
    claimsOf: tokens.claimsOf,
    conversationIdsOf: async (projectId, identity) =>
      (await ctx.conversations.membershipOf(projectId, identity))
        .filter((m) => !m.archived)
        .map((m) => m.conversationId),
    changedMessages: (projectId, ids) => ctx.messages.changedAmong(projectId, ids),
    membershipAt: createMembershipHistory({
      events: deps.events,
      membershipOf: (projectId, identity) => ctx.conversations.membershipOf(projectId, identity),
      archivedAmong: (projectId, ids) => ctx.conversations.archivedAmong(projectId, ids),
      limit: MAX_REPLAY_EVENTS,
    }),
    tailerCursor: () => tailer.cursor(),
  });
  const auth = deps.auth;

  const postInbound = createInboundSmsHandler(ctx, messages);
  const feature: Feature = {
    routers: [
      createConversationsRouter({
        auth,
        validate: deps.validate,
        tokens,
        conversations,
        members,
        store: ctx.conversations,
      }),
      createMessagesRouter({ auth, validate: deps.validate, messages, actions }),
      createSearchRouter({ auth, validate: deps.validate, messages: ctx.messages }),
      createFilesRouter({ auth, validate: deps.validate, files }),
    ],
    handlers: [createSmsCopyHandler(ctx, deps.sendSms), createInboundSmsJobHandler(postInbound)],
    async start() {
      fanout = createFanout({
        redis: deps.redis,
        redisUrl: deps.redisUrl,
        prefix: deps.redisPrefix,
        logger: deps.logger,
        onMessage: (message) => {
          if (message.kind === 'events') tailer.expect(message.positions);
          else gateway.onLive(message);
        },
      });
      await fanout.start();
      await tailer.start();
      gateway.start();
    },
    async stop() {
      await gateway.stop();
      tailer.stop();
      await fanout?.stop();
    },
    onServer: (server) => gateway.attach(server),
    beforeServerClose: () => gateway.goAway(),
  };

  return {
    feature,
    verifyUserToken: tokens.verify,
    handleInboundSms: postInbound,
    queueInboundSms: createInboundSmsQueue(ctx),
  };
}
