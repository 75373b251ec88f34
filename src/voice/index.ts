// STUB — being written by a helper. The signature below is the contract with runtime.ts.
import type { Authenticator } from '../accounts/index.js';
import type { EventStore, Outbox } from '../events/index.js';
import type { BlobStore } from '../media/index.js';
import type { NumberRow } from '../numbers/index.js';
import type { Clock, Db, IdGenerator, Logger, Validate } from '../platform/index.js';
import type { Feature } from '../runtime.js';
import type { ScheduleWebhook } from '../webhooks/index.js';

/** How a flow's `sms` verb queues a message (provided by messaging). */
export type SendFlowSms = (input: {
  projectId: string;
  from: string;
  to: string;
  body: string;
}) => Promise<{ id: string }>;

export interface VoiceDeps {
  db: Db;
  events: EventStore;
  outbox: Outbox;
  scheduleWebhook: ScheduleWebhook;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  validate: Validate;
  auth: Authenticator;
  blobs: BlobStore;
  /** The number record for a DID (any project), for inbound calls. */
  findNumber(number: string): Promise<NumberRow | undefined>;
  sendSms: SendFlowSms;
  config: {
    ariUrl: string | null;
    ariApp: string;
    ariDialTemplate: string;
    publicUrl: string;
    dataDir: string;
    /** Run the orchestrator (ARI connection, call control) in this process. */
    orchestrator: boolean;
  };
}

export interface VoiceFeature {
  feature: Feature;
  /** Throws a 422 when the project has no such flow (numbers' `voice_flow_id`). */
  checkFlow(projectId: string, flowId: string): Promise<void>;
}

export function createVoiceFeature(_deps: VoiceDeps): VoiceFeature {
  return { feature: {}, checkFlow: async () => undefined };
}
