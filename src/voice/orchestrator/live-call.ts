import type { FlowCommand, FlowDefinition, FlowState } from '../../flows/index.js';
import type { Logger } from '../../platform/index.js';
import type { CallRow } from '../calls.store.js';
import type { DigitCollector } from './digit-collector.js';

/**
 * What the current command is doing on the PBX. Each carries its own clean-up, so ending a
 * call (or moving on) stops its playbacks, timers, dialled leg or HTTP request.
 */
/** The dial a call waits on: its leg, bridge and whether the leg answered. */
export type DialActivity = Extract<Activity, { kind: 'dial' }>;

export type Activity =
  | { kind: 'play'; playbackIds: string[]; pending: Set<string> }
  | { kind: 'collect'; collector: DigitCollector; playbackIds: string[]; pending: Set<string> }
  | { kind: 'pause'; cancelTimer: () => void }
  | {
      kind: 'dial';
      legId: string;
      bridgeId: string;
      answered: boolean;
      answeredAt: number | null;
      /** Record the bridge once the leg is bridged (`record: true` on the step). */
      record: boolean;
      step: string | null;
    }
  | {
      kind: 'record';
      name: string;
      recordingId: string;
      step: string | null;
      /** The step's finish_on_key ('' for none). */
      finishOnKey: string;
      /** The finish key once pressed: what the step's `input` reports ('' at max length). */
      finishedBy: string;
    }
  | { kind: 'http'; abort: AbortController }
  | { kind: 'redirect' };

/** A call this orchestrator is running; everything here can be rebuilt from its row. */
export interface LiveCall {
  id: string;
  projectId: string;
  /** Our channel id for the caller's leg (the call id). */
  channelId: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  answered: boolean;
  /** `ringing` is on record (or past): the PBX reports ringing twice (state and dial status). */
  rang: boolean;
  /** The API asked to hang up before the answer: the call ends `canceled`. */
  canceledByUs: boolean;
  /** The API asked to hang up (before or after the answer): the flow ends `api_hangup`. */
  hungUpByApi: boolean;
  /**
   * The PBX said the caller's leg is hanging up (ChannelHangupRequest). Asterisk then ends
   * the media (PlaybackFinished, RecordingFinished) before ChannelDestroyed: those events no
   * longer move the flow, so a prompt the caller left is not taken as heard and the steps
   * after it do not run. A recording is still stored.
   */
  leaving: boolean;
  /** An outbound call not answered yet (from its originate on). */
  originating: boolean;
  /**
   * When (ms) the originate request returned, null before: until then the PBX may not list
   * the channel, so a reconciliation that finds none must not take it for lost.
   */
  originatedAt: number | null;
  /** `record: true` on the call: the whole call is recorded from the answer on. */
  record: boolean;
  /**
   * The snoop channel recording the whole call, the recording it is to start once it is in our
   * app (null when the channel was found on the PBX after a restart), and whether it started.
   * In memory only: a restarted orchestrator finds the snoop channel again by its id (see
   * call-recording.ts).
   */
  callRecording: { snoopId: string; recordingId: string | null; started: boolean } | null;
  ended: boolean;
  definition: FlowDefinition;
  state: FlowState | null;
  waiting: FlowCommand | null;
  /** Bumped by every command: media ids carry it, so events of an earlier command are ignored. */
  epoch: number;
  activity: Activity | null;
  /** Every piece of work on this call runs in order on this chain. */
  queue: Promise<void>;
  /**
   * The row as this process last read or wrote it: a guess, never trusted. Status changes
   * are written from it in one statement that applies only if the row still matches it
   * (`CallEvents.moveStatusFrom`); each write keeps it up to date.
   */
  row: CallRow;
}

/** The calls running in this process, by call id and by every channel id they own. */
export function createCallRegistry(logger: Logger) {
  const byId = new Map<string, LiveCall>();
  const byChannel = new Map<string, LiveCall>();
  /** The channel ids routed to each call, so removing a call never scans every channel. */
  const channelsOf = new Map<LiveCall, Set<string>>();

  function route(channelId: string, call: LiveCall): void {
    byChannel.set(channelId, call);
    let channels = channelsOf.get(call);
    if (!channels) channelsOf.set(call, (channels = new Set()));
    channels.add(channelId);
  }

  return {
    add(call: LiveCall): void {
      byId.set(call.id, call);
      route(call.channelId, call);
    },
    /** Routes a second channel (a dialled leg) to the call. */
    addChannel(channelId: string, call: LiveCall): void {
      route(channelId, call);
    },
    removeChannel(channelId: string): void {
      const owner = byChannel.get(channelId);
      byChannel.delete(channelId);
      if (owner) channelsOf.get(owner)?.delete(channelId);
    },
    remove(call: LiveCall): void {
      if (byId.get(call.id) === call) byId.delete(call.id);
      for (const channelId of channelsOf.get(call) ?? []) {
        if (byChannel.get(channelId) === call) byChannel.delete(channelId);
      }
      channelsOf.delete(call);
    },
    get: (callId: string) => byId.get(callId),
    byChannel: (channelId: string) => byChannel.get(channelId),
    all: () => [...byId.values()],
    /**
     * Runs `work` after everything already queued for the call; failures are logged, never
     * thrown into the event stream or a timer.
     */
    enqueue(call: LiveCall, work: () => Promise<void>): Promise<void> {
      const next = call.queue.then(work).catch((err: unknown) => {
        logger.error({ err, call_id: call.id }, 'call step failed');
      });
      call.queue = next;
      return next;
    },
    /** Like `enqueue`, but the caller gets the outcome (a job must see its failure). */
    run<T>(call: LiveCall, work: () => Promise<T>): Promise<T> {
      const result = call.queue.then(work);
      call.queue = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };
}

export type CallRegistry = ReturnType<typeof createCallRegistry>;

/** Our channel id for the n-th dialled leg of a call. */
export function legChannelId(callId: string, n: number): string {
  return `${callId}.d${n}`;
}

/** Our channel ids: a call's (`call_X`) or its n-th dialled leg's (`call_X.dN`). */
const OUR_CHANNEL = /^(call_[0-9A-HJKMNP-TV-Z]{26})(?:\.d(\d+))?$/;

/** The call and number of a dialled leg's channel id (`call_X.dN`), or null for any other. */
export function legOf(channelId: string): { callId: string; n: number } | null {
  const match = OUR_CHANNEL.exec(channelId);
  return match?.[2] === undefined ? null : { callId: match[1], n: Number(match[2]) };
}

/** The call a channel id of ours belongs to (`call_X` or `call_X.dN`), or null. */
export function callIdOfChannel(channelId: string): string | null {
  return OUR_CHANNEL.exec(channelId)?.[1] ?? null;
}

/** The project's number on a call: the one called (inbound) or the one calling (outbound). */
export const ownNumberOf = (call: Pick<LiveCall, 'direction' | 'from' | 'to'>): string =>
  call.direction === 'inbound' ? call.to : call.from;
