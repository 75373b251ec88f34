/** Starts a timer; returns the function that cancels it. Injected so tests control time. */
export type SetTimer = (ms: number, fire: () => void) => () => void;

/** How a collection ended: the keys (without the finish key), or no keys in time. */
export type CollectResult = { type: 'digits'; digits: string } | { type: 'timeout' };

export interface DigitCollectorOptions {
  numDigits: number;
  /** '' for none. */
  finishOnKey: string;
  /** Wait for the first key after the prompt, and between keys. */
  interDigitMs: number;
  /** Cap on the whole collection once waiting started, however the keys trickle in. */
  overallMs: number;
}

export interface DigitCollector {
  /** The prompt is over (or there was none): start waiting for the first key. */
  startWaiting(): void;
  /** One key from the caller; keys pressed during the prompt count too. */
  press(digit: string): void;
  /** True once it reported its result (or was cancelled). */
  readonly done: boolean;
  /** Stops every timer; no result is reported. */
  cancel(): void;
}

/**
 * Digit collection for a gather, kept by the orchestrator (ARI only reports single keys):
 * ends when `numDigits` keys are in, at the finish key, when no key comes for
 * `interDigitMs` (after the prompt, and between keys), or at `overallMs`. A timeout with keys
 * already pressed reports those keys. Reports exactly once; every timer is cleared then.
 */
export function createDigitCollector(
  options: DigitCollectorOptions,
  deps: { setTimer: SetTimer; onDone(result: CollectResult): void },
): DigitCollector {
  let buffer = '';
  let done = false;
  let cancelInterDigit: (() => void) | null = null;
  let cancelOverall: (() => void) | null = null;

  function clearTimers(): void {
    cancelInterDigit?.();
    cancelOverall?.();
    cancelInterDigit = null;
    cancelOverall = null;
  }

  function finish(result: CollectResult): void {
    if (done) return;
    done = true;
    clearTimers();
    deps.onDone(result);
  }

  function finishWithBuffer(): void {
    finish(buffer === '' ? { type: 'timeout' } : { type: 'digits', digits: buffer });
  }

  function armInterDigit(): void {
    cancelInterDigit?.();
    cancelInterDigit = deps.setTimer(options.interDigitMs, finishWithBuffer);
  }

  function armOverall(): void {
    if (!cancelOverall) cancelOverall = deps.setTimer(options.overallMs, finishWithBuffer);
  }

  return {
    startWaiting() {
      if (done) return;
      armOverall();
      if (!cancelInterDigit) armInterDigit();
    },
    press(digit) {
      if (done) return;
      if (options.finishOnKey !== '' && digit === options.finishOnKey) {
        finish({ type: 'digits', digits: buffer });
        return;
      }
      buffer += digit;
      if (buffer.length >= options.numDigits) {
        finish({ type: 'digits', digits: buffer });
        return;
      }
      armOverall();
      armInterDigit();
    },
    get done() {
      return done;
    },
    cancel() {
      done = true;
      clearTimers();
    },
  };
}
