// STUB — being written by a helper. The signature below is the contract with runtime.ts.
import type { Authenticator, UserTokenVerifier } from '../accounts/index.js';
import type { EventStore, Outbox } from '../events/index.js';
import type { BlobStore } from '../media/index.js';
import type { Clock, Db, IdGenerator, Logger, Redis, Validate } from '../platform/index.js';
import type { Feature } from '../runtime.js';
import type { ScheduleWebhook } from '../webhooks/index.js';

/** How chat sends an SMS to a phone participant (provided by messaging). */
export type SendConversationSms = (input: {
  projectId: string;
  from: string;
  to: string;
  body: string;
}) => Promise<{ id: string }>;

export interface ChatDeps {
  db: Db;
  redis: Redis;
  redisUrl: string;
  redisPrefix: string;
  events: EventStore;
  outbox: Outbox;
  scheduleWebhook: ScheduleWebhook;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  validate: Validate;
  auth: Authenticator;
  blobs: BlobStore;
  sendSms: SendConversationSms;
}

export interface ChatFeature {
  feature: Feature;
  verifyUserToken: UserTokenVerifier;
  /**
   * Posts an inbound SMS into the conversation bound to (from, to) if there is one;
   * false when no conversation takes it (messaging then treats it as a plain inbound SMS).
   */
  handleInboundSms(input: {
    projectId: string;
    from: string;
    to: string;
    body: string;
    messageId: string;
  }): Promise<boolean>;
}

export function createChatFeature(_deps: ChatDeps): ChatFeature {
  return { feature: {}, verifyUserToken: async () => null, handleInboundSms: async () => false };
}
