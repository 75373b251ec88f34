/**
 * What the interpreter asks the orchestrator to do. Each transition returns zero or more
 * `send_sms` (fire and forget) followed by at most one command the flow then waits on
 * (`play`, `collect_digits`, `dial`, `record`, `http_request`, `pause`) or one that ends it
 * (`hangup`, `redirect`). Durations are in seconds.
 */

/** Text to speech, an https URL, or a sound installed on the media server (`sound:<name>`). */
export type FlowMedia =
  | { kind: 'tts'; text: string; voice?: string; language?: string }
  | { kind: 'url'; url: string }
  | { kind: 'sound'; name: string };

/** Play `media` `loop` times; answered by `play_finished`. */
export interface PlayCommand {
  type: 'play';
  media: FlowMedia;
  loop: number;
}

/**
 * Collect up to `num_digits` keys, stopping early at `finish_on_key` ("" for none) or after
 * `timeout` seconds without a key; answered by `digits` or `timeout`. While collecting, play
 * `prompt`; the orchestrator stops the prompt at the first key.
 */
export interface CollectDigitsCommand {
  type: 'collect_digits';
  num_digits: number;
  finish_on_key: string;
  timeout: number;
  prompt?: PlayCommand;
}

/** Call `to` and bridge it; `from` absent means the orchestrator's usual caller id. Answered by `dial_result`. */
export interface DialCommand {
  type: 'dial';
  to: string;
  from?: string;
  timeout: number;
  record: boolean;
}

/** Record the caller; answered by `recording_finished`. */
export interface RecordCommand {
  type: 'record';
  max_length: number;
  finish_on_key: string;
  beep: boolean;
}

/** What a flow webhook receives: the call, the step asking, and the flow's variables. */
export interface WebhookRequestBody {
  call: { id: string; from: string; to: string };
  step: string;
  variables: Record<string, string>;
}

/**
 * Ask the app (`body` as JSON for POST; for GET the orchestrator sends no body). Answered by
 * `http_response`. The app may reply `{ "variables": {...}, "next": "step" }`.
 */
export interface HttpRequestCommand {
  type: 'http_request';
  url: string;
  method: 'GET' | 'POST';
  timeout: number;
  body: WebhookRequestBody;
}

/** Queue an SMS; the flow does not wait for it. `from` absent means the call's own number. */
export interface SendSmsCommand {
  type: 'send_sms';
  to: string;
  from?: string;
  body: string;
}

/**
 * Stay silent for `seconds`, then answer with `timeout`. Not in FLOWS.md's command list, which
 * has no way to express the `pause` verb.
 */
export interface PauseCommand {
  type: 'pause';
  seconds: number;
}

/**
 * Continue the call in another flow: load `flow_id`'s active version and call `startFlow` with
 * `redirectContext(state)`. This flow has ended. Not in FLOWS.md's command list, which has no
 * way to express the `redirect` verb.
 */
export interface RedirectCommand {
  type: 'redirect';
  flow_id: string;
}

/** Hang up the call. */
export interface HangupCommand {
  type: 'hangup';
}

export type FlowCommand =
  | PlayCommand
  | CollectDigitsCommand
  | DialCommand
  | RecordCommand
  | HttpRequestCommand
  | SendSmsCommand
  | PauseCommand
  | RedirectCommand
  | HangupCommand;
