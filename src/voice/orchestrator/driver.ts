import type { FlowEvent } from '../../flows/index.js';
import type { LiveCall } from './live-call.js';

/** How a call ended, from the PBX's point of view. */
export interface EndFacts {
  /** Q.850 cause (16 normal clearing); 0 when unknown. */
  cause: number;
  /** `hangup_cause` to store instead of the cause's name (`channel_lost`, `originate_failed`). */
  reason?: string;
}

/**
 * What command handlers may do to the call they run on. Every method must be called from the
 * call's queue (ARI events and timers are queued by the orchestrator before they get here).
 */
export interface FlowDriver {
  /** Feeds an interpreter event: persist the step(s), then run the next command. */
  feed(call: LiveCall, event: FlowEvent): Promise<void>;
  /** The caller's leg is gone (or must be treated as gone): close the call for good. */
  end(call: LiveCall, facts: EndFacts): Promise<void>;
  /** Continues the call in another flow's active version (the `redirect` verb and the API). */
  redirect(call: LiveCall, flowId: string): Promise<void>;
}
