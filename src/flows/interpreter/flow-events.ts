/**
 * What the orchestrator tells the interpreter, translated from ARI events and HTTP results.
 * An event that does not fit the step the call is on (digits while a `say` plays, a second
 * `started`) is ignored: the state comes back unchanged, with no commands.
 */

/** How a dialled leg ended: `completed` means it was answered, bridged and has now hung up. */
export type DialOutcome = 'completed' | 'busy' | 'no-answer' | 'failed';

export type FlowEvent =
  /** The call is answered: run from `start` (what `startFlow` does in one go). */
  | { type: 'started' }
  /** The `play` command finished (say, play). */
  | { type: 'play_finished' }
  /** A `collect_digits` ended with these keys, without the finish key ("" counts as a timeout). */
  | { type: 'digits'; digits: string }
  /** A `collect_digits` got no keys in time, or a `pause` is over. */
  | { type: 'timeout' }
  /** The `dial` command's leg ended. */
  | { type: 'dial_result'; outcome: DialOutcome; duration?: number }
  /** The `record` command stopped; `digits` is the key that stopped it, if any. */
  | { type: 'recording_finished'; recording_id: string; duration?: number; digits?: string }
  /**
   * The `http_request` command's answer: `body` is the parsed JSON (undefined when there was
   * none or it was not JSON); `status` 0 means no answer at all (network error or timeout).
   */
  | { type: 'http_response'; status: number; body?: unknown }
  /** The caller hung up: the flow ends wherever it is, with no commands. */
  | { type: 'caller_hangup' }
  /**
   * The app hung the call up through the API: the flow ends wherever it is, its step with
   * outcome `api_hangup`.
   */
  | { type: 'api_hangup' }
  /**
   * The app moved the call to another flow through the API: this flow ends wherever it is
   * (ended_by `redirect`), its step with outcome `redirected`, with no commands.
   */
  | { type: 'redirected' }
  /**
   * The platform hung up because a media command failed (speech could not be made, a sound
   * could not be played): the flow ends wherever it is, its step with outcome `media_error`.
   */
  | { type: 'media_error' };

export type FlowEventType = FlowEvent['type'];
