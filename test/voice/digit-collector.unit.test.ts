import { expect } from 'chai';
import {
  createDigitCollector,
  type CollectResult,
  type DigitCollectorOptions,
} from '../../src/voice/orchestrator/digit-collector.js';

/** Timers under the test's control: `advance(ms)` fires whatever falls due. */
function createFakeTimers() {
  let now = 0;
  const timers = new Map<number, { at: number; fire: () => void }>();
  let next = 1;
  return {
    setTimer(ms: number, fire: () => void) {
      const id = next++;
      timers.set(id, { at: now + ms, fire });
      return () => timers.delete(id);
    },
    advance(ms: number) {
      now += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at <= now && timers.has(id)) {
          timers.delete(id);
          timer.fire();
        }
      }
    },
    get pending() {
      return timers.size;
    },
  };
}

function collect(options: Partial<DigitCollectorOptions> = {}) {
  const timers = createFakeTimers();
  const results: CollectResult[] = [];
  const collector = createDigitCollector(
    { numDigits: 4, finishOnKey: '#', interDigitMs: 1000, overallMs: 5000, ...options },
    { setTimer: timers.setTimer, onDone: (r) => results.push(r) },
  );
  return { collector, timers, results };
}

describe('createDigitCollector', () => {
  it('ends when num_digits keys are in', () => {
    const { collector, results, timers } = collect({ numDigits: 2 });
    collector.startWaiting();
    collector.press('1');
    collector.press('2');
    expect(results).to.deep.equal([{ type: 'digits', digits: '12' }]);
    expect(timers.pending).to.equal(0);
  });

  it('ends at the finish key, which is not part of the digits', () => {
    const { collector, results } = collect();
    collector.press('4');
    collector.press('#');
    expect(results).to.deep.equal([{ type: 'digits', digits: '4' }]);
  });

  it('reports a timeout when no key comes after the prompt', () => {
    const { collector, results, timers } = collect();
    timers.advance(5000);
    expect(results, 'does not wait before the prompt ends').to.deep.equal([]);
    collector.startWaiting();
    timers.advance(999);
    expect(results).to.deep.equal([]);
    timers.advance(1);
    expect(results).to.deep.equal([{ type: 'timeout' }]);
  });

  it('reports the keys so far when the inter-digit timeout passes', () => {
    const { collector, results, timers } = collect();
    collector.startWaiting();
    collector.press('1');
    timers.advance(800);
    collector.press('2');
    timers.advance(800);
    expect(results).to.deep.equal([]);
    timers.advance(200);
    expect(results).to.deep.equal([{ type: 'digits', digits: '12' }]);
  });

  it('ends at the overall timeout however the keys trickle in', () => {
    const { collector, results, timers } = collect({ numDigits: 10, overallMs: 2500 });
    collector.startWaiting();
    for (let i = 0; i < 5; i += 1) {
      timers.advance(600);
      collector.press(String(i));
    }
    expect(results).to.deep.equal([{ type: 'digits', digits: '0123' }]);
  });

  it('counts keys pressed during the prompt', () => {
    const { collector, results } = collect({ numDigits: 1 });
    collector.press('7');
    expect(results).to.deep.equal([{ type: 'digits', digits: '7' }]);
  });

  it('reports once and clears its timers when cancelled', () => {
    const { collector, results, timers } = collect();
    collector.startWaiting();
    collector.cancel();
    timers.advance(10_000);
    collector.press('1');
    expect(results).to.deep.equal([]);
    expect(timers.pending).to.equal(0);
  });
});
