import { expect } from 'chai';
import { createSendClaimsStore } from '../../src/messaging/send-claims.store.js';
import {
  createSendDispatcher,
  type SendDispatcherOptions,
} from '../../src/messaging/send-dispatcher.js';
import { SMS_CHANNEL, type MessageRow } from '../../src/messaging/messages.store.js';
import type { SendOutcome } from '../../src/messaging/sender.js';
import { createSilentLogger, listenFor, systemClock } from '../../src/platform/index.js';
import { createTestProject, harnessSettings, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

/**
 * The send dispatcher against the real database: messages claimed from Postgres, leases,
 * retries and renewals. The app runs without its worker role, so the only dispatchers are the
 * ones each test makes, and their `send` only records what it was given.
 */
describe('SMS send dispatcher', () => {
  let app: TestApp;
  let api: ReturnType<typeof clientFor>;
  const logger = createSilentLogger();
  const running: Array<{ stop(): Promise<void> }> = [];

  before(async () => {
    app = await startApp({ roles: { worker: false, orchestrator: false } });
    const project = await createTestProject(app);
    api = clientFor(app.url, project.apiKey);
  });
  afterEach(async () => {
    for (const stoppable of running.splice(0).reverse()) await stoppable.stop();
  });
  after(() => app.stop());

  /** Saves `count` messages through the API (due now: nobody sends them yet); their ids. */
  async function post(count: number, body = 'dispatch'): Promise<string[]> {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        api<{ id: string }>('POST', '/v1/messages', {
          body: { from: 'Trunkline', to: '+14155550100', body: `${body} ${i}` },
        }),
      ),
    );
    return answers.map((a) => a.body.id);
  }

  const rowOf = (id: string): Promise<MessageRow> =>
    app.runtime.db<MessageRow>('messages').where({ id }).first() as Promise<MessageRow>;

  async function dispatcher(
    send: (message: MessageRow) => Promise<SendOutcome>,
    overrides: Partial<SendDispatcherOptions> = {},
  ) {
    const made = createSendDispatcher({
      store: createSendClaimsStore(app.runtime.db),
      send,
      clock: systemClock,
      logger,
      listen: (onNotify) =>
        listenFor({
          databaseUrl: harnessSettings.databaseUrl,
          channel: SMS_CHANNEL,
          logger,
          onNotify,
        }),
      pollMs: 50,
      ...overrides,
    });
    await made.start();
    running.push(made);
    return made;
  }

  it('hands each due message to exactly one of two dispatchers, then nothing is due', async () => {
    const ids = await post(60);
    const seen: string[] = [];
    const send = async (message: MessageRow): Promise<SendOutcome> => {
      seen.push(message.id);
      await new Promise((r) => setTimeout(r, 5));
      return 'done';
    };
    await dispatcher(send, { capacity: 8 });
    await dispatcher(send, { capacity: 8 });
    await eventually(async () => (ids.every((id) => seen.includes(id)) ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.filter((id) => ids.includes(id))).to.have.length(ids.length);
    expect(new Set(seen).size, 'no message twice').to.equal(seen.length);
    for (const id of ids) expect((await rowOf(id)).next_attempt_at, id).to.equal(null);
  });

  it('takes a message up again once the lease of a claim whose process died runs out', async () => {
    const [id] = await post(1, 'orphaned');
    // A process claims it for 400 ms and dies.
    const claimed = await createSendClaimsStore(app.runtime.db).claimDue(
      new Date(),
      100,
      new Date(Date.now() + 400),
    );
    expect(claimed.map((m) => m.id)).to.include(id);
    const seen: Array<{ id: string; at: number }> = [];
    const started = Date.now();
    await dispatcher(async (message) => {
      seen.push({ id: message.id, at: Date.now() - started });
      return 'done';
    });
    await eventually(async () => (seen.some((s) => s.id === id) ? true : undefined));
    const taken = seen.find((s) => s.id === id)!;
    expect(taken.at, 'not before the lease ran out').to.be.at.least(300);
  });

  it('retries a send that failed for a transient reason after a back-off, counting the try', async () => {
    const [id] = await post(1, 'transient');
    const calls: Array<{ at: number; attempts: number }> = [];
    await dispatcher(async (message) => {
      if (message.id !== id) return 'done';
      calls.push({ at: Date.now(), attempts: message.send_attempts });
      if (calls.length === 1) throw new Error('no bind is up');
      return 'done';
    });
    await eventually(async () => (calls.length === 2 ? true : undefined));
    expect(calls.map((c) => c.attempts)).to.deep.equal([0, 1]);
    expect(calls[1].at - calls[0].at, 'the first back-off is 250 ms').to.be.at.least(240);
    await eventually(async () => ((await rowOf(id)).next_attempt_at === null ? true : undefined));
  });

  it('survives taking a message again before the release of its last try has come back', async () => {
    const [id] = await post(1, 'slow release');
    const thrown: unknown[] = [];
    const onUnhandled = (reason: unknown) => thrown.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const store = createSendClaimsStore(app.runtime.db);
      const tries: number[] = [];
      await dispatcher(
        async (message) => {
          if (message.id !== id) return 'done';
          tries.push(Date.now());
          // The second try outlasts the first try's release coming back.
          if (tries.length === 2) await new Promise((r) => setTimeout(r, 800));
          if (tries.length <= 3) throw new Error('throttled');
          return 'done';
        },
        {
          // The release commits at once, but its answer comes back after the message is due
          // again (250 ms): a busy process, as when the worker crashed under load.
          store: {
            ...store,
            release: async (batch) => {
              await store.release(batch);
              await new Promise((r) => setTimeout(r, 600));
            },
          },
        },
      );
      await eventually(async () => (tries.length === 4 ? true : undefined), 8000);
      await new Promise((r) => setTimeout(r, 700));
      expect(thrown).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it("keeps a slow send's claim by renewing its lease, so no other dispatcher takes it", async () => {
    const [id] = await post(1, 'slow');
    const calls: string[] = [];
    const slow = async (message: MessageRow): Promise<SendOutcome> => {
      calls.push(message.id);
      if (message.id === id) await new Promise((r) => setTimeout(r, 1500));
      return 'done';
    };
    // The send outlasts the lease 2.5 times; the lease is long enough that a claim slowed by a
    // busy machine (the full suite) still returns well inside it.
    await dispatcher(slow, { leaseMs: 600 });
    await eventually(async () => (calls.includes(id) ? true : undefined));
    await dispatcher(slow, { leaseMs: 600 });
    await eventually(async () => ((await rowOf(id)).next_attempt_at === null ? true : undefined));
    expect(calls.filter((c) => c === id)).to.have.length(1);
  });

  it('ends a claim whose release overtakes the answer of its lease renewal', async () => {
    const [id] = await post(1, 'renewal race');
    const store = createSendClaimsStore(app.runtime.db);
    const calls: string[] = [];
    await dispatcher(
      async (message) => {
        calls.push(message.id);
        // Outlasts a third of the lease, so a renewal starts and writes while it runs.
        if (message.id === id) await new Promise((r) => setTimeout(r, 350));
        return 'done';
      },
      {
        leaseMs: 600,
        // The renewal commits at once, but its answer comes back after the send has ended:
        // the release must match the renewed lease, or the message stays claimed until that
        // lease runs out and is then sent again.
        store: {
          ...store,
          renewLeases: async (claims, lease) => {
            const renewed = await store.renewLeases(claims, lease);
            await new Promise((r) => setTimeout(r, 400));
            return renewed;
          },
        },
      },
    );
    await eventually(async () => ((await rowOf(id)).next_attempt_at === null ? true : undefined));
    await new Promise((r) => setTimeout(r, 1200));
    expect((await rowOf(id)).next_attempt_at).to.equal(null);
    expect(calls.filter((c) => c === id)).to.have.length(1);
  });
});
