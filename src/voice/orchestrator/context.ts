import type { MediaControl } from '../../connectors/index.js';
import type { BlobStore } from '../../media/index.js';
import type { NumberRow } from '../../numbers/index.js';
import type { Clock, Db, IdGenerator, Logger } from '../../platform/index.js';
import type { ScheduleWebhook } from '../../webhooks/index.js';
import type { CallEvents } from '../call-events.js';
import type { CallsStore } from '../calls.store.js';
import type { FlowsService } from '../flows.service.js';
import type { SendFlowSms } from '../feature.js';
import type { RecordingsStore } from '../recordings.store.js';
import type { TtsCache } from '../tts/index.js';
import type { FlowHttp } from './flow-http.js';
import type { SideRecordings } from './call-recording.js';
import type { CallRegistry } from './live-call.js';

/** Everything the orchestrator's parts share: ports, stores, the registry and the PBX. */
export interface OrchestratorContext {
  db: Db;
  store: CallsStore;
  callEvents: CallEvents;
  recordings: RecordingsStore;
  scheduleWebhook: ScheduleWebhook;
  blobs: BlobStore;
  tts: TtsCache;
  http: FlowHttp;
  flows: FlowsService;
  sendSms: SendFlowSms;
  findNumber(number: string): Promise<NumberRow | undefined>;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  registry: CallRegistry;
  /** Whole-call and dial recordings being made or stored (call-recording.ts). */
  sideRecordings: SideRecordings;
  /**
   * Refuses a `play` URL Asterisk must not fetch (a private address unless
   * WEBHOOK_ALLOW_PRIVATE), as for a `webhook` step's URL: Asterisk fetches it from inside
   * the PBX's network, where 169.254.169.254 or an internal host answers.
   */
  checkMediaUrl(url: string): Promise<void>;
  /** ARI_DIAL_TEMPLATE: the endpoint for a number, `{to}` replaced. */
  dialTemplate: string;
  /** Real milliseconds per telephony second (1000; smaller in fast sandbox runs). */
  secondMs: number;
  /** The PBX, once connected (null before start). */
  media(): MediaControl;
}
