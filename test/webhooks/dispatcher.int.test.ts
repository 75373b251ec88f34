import { expect } from 'chai';
import { createSilentLogger, listenFor, systemClock, type Db } from '../../src/platform/index.js';
import { createAttempter } from '../../src/webhooks/attempt.js';
import { createDeliveriesStore, DELIVERIES_CHANNEL } from '../../src/webhooks/deliveries.store.js';
import { createDispatcher, type DispatcherOptions } from '../../src/webhooks/dispatcher.js';
import { createEndpointGuard } from '../../src/webhooks/endpoint-guard.js';
import { createWebhookSender } from '../../src/webhooks/http-sender.js';
import { createWebhookScheduler } from '../../src/webhooks/schedule-webhook.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import {
  createTestProject,
  harnessSettings,
  startApp,
  type TestApp,
  type TestProject,
} from '../support/harness.js';
import { eventually } from '../support/http.js';

/**
 * The delivery dispatcher against the real database: deliveries claimed from Postgres in
 * batches, leases, hand-backs and a graceful stop. The app runs without its worker role, so
 * the only dispatchers are the ones each test makes.
 */
describe('webhook delivery dispatcher', () => {
  let app: TestApp;
  let db: Db;
  const logger = createSilentLogger();
  const store = () => createDeliveriesStore(db);
  const running: Array<{ stop(): Promise<void> }> = [];

  before(async () => {
    app = await startApp({ roles: { worker: false, orchestrator: false } });
    db = app.runtime.db;
  });
  afterEach(async () => {
    for (const stoppable of running.splice(0).reverse()) await stoppable.stop();
  });
  after(() => app.stop());

  async function receiverFor(
    project: TestProject,
    respond?: (attempt: number) => number | Promise<number>,
  ): Promise<WebhookReceiver> {
    const receiver = createWebhookReceiver({
      secret: project.webhookSecret,
      logger,
      respond: respond ? (_event, attempt) => respond(attempt) : undefined,
    });
    const { url } = await receiver.start();
    running.push(receiver);
    await app.runtime.services.accounts.updateProject(project.id, { webhook_url: url });
    return receiver;
  }

  /** Schedules `count` deliveries to the project's URL in one transaction; their event ids. */
  async function schedule(project: TestProject, count: number): Promise<string[]> {
    const { scheduleWebhook, ids, clock } = app.runtime.services;
    const eventIds: string[] = [];
    await db.transaction(async (trx) => {
      for (let i = 0; i < count; i += 1) {
        const event = { id: ids('evt'), type: 'message.sent', createdAt: clock.now(), data: { i } };
        await scheduleWebhook(trx, { projectId: project.id, event });
        eventIds.push(event.id);
      }
    });
    return eventIds;
  }

  function dispatcher(overrides: Partial<DispatcherOptions> = {}) {
    const guard = createEndpointGuard({
      maxConcurrent: 10,
      failureThreshold: 3,
      openForMs: 60_000,
    });
    const sender = createWebhookSender({ allowPrivate: true, logger });
    const made = createDispatcher({
      store: store(),
      attempt: createAttempter({
        sender,
        guard,
        ids: app.runtime.services.ids,
        clock: systemClock,
        retryDelaysSec: [0.2, 0.2],
        signingSecrets: (projectId) => app.runtime.services.accounts.signingSecrets(projectId),
      }),
      guard,
      clock: systemClock,
      logger,
      listen: (onNotify) =>
        listenFor({
          databaseUrl: harnessSettings.databaseUrl,
          channel: DELIVERIES_CHANNEL,
          logger,
          onNotify,
        }),
      maxConcurrentPerEndpoint: 10,
      pollMs: 100,
      ...overrides,
    });
    running.push({ stop: () => made.stop().then(() => sender.close()) });
    return made;
  }

  const deliveriesOf = (project: TestProject) =>
    db('webhook_deliveries').where({ project_id: project.id }).orderBy('id');
  const attemptsOf = (project: TestProject) =>
    db('webhook_attempts').where({ project_id: project.id });

  it('sends each delivery once, claiming more as room frees, and logs each attempt', async () => {
    const project = await createTestProject(app);
    const receiver = await receiverFor(project);
    const ids = await schedule(project, 120);
    await dispatcher({ capacity: 40, claimBatch: 15 }).start();
    await eventually(async () =>
      (await deliveriesOf(project)).every((d) => d.status === 'succeeded') ? true : undefined,
    );
    expect(receiver.events.map((e) => e.id).sort()).to.deep.equal([...ids].sort());
    expect(receiver.events.every((e) => e.verified && e.attempt === 1)).to.equal(true);
    expect(await attemptsOf(project)).to.have.length(120);
  });

  it('logs the rest of a batch of attempts when the database refuses one of them', async () => {
    const project = await createTestProject(app);
    const receiver = await receiverFor(project);
    await schedule(project, 30);
    const poisoned = (await deliveriesOf(project)).at(-1)!;
    const real = store();
    await dispatcher({
      store: {
        ...real,
        // Slow flushes, so the attempts that finish meanwhile are logged together.
        recordAttempts: async (batch) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          if (batch.some((b) => b.attempt.delivery_id === poisoned.id)) throw new Error('refused');
          return real.recordAttempts(batch);
        },
      },
    }).start();
    await eventually(async () => {
      const rows = await deliveriesOf(project);
      return rows.filter((d) => d.status === 'succeeded').length === 29 ? true : undefined;
    });
    expect(receiver.events).to.have.length(30);
    expect(new Set(receiver.events.map((e) => e.id)).size).to.equal(30);
    expect((await deliveriesOf(project)).find((d) => d.id === poisoned.id)!.status).to.equal(
      'pending',
    );
  });

  it('is woken by the commit of a new delivery without waiting for its sweep', async () => {
    const project = await createTestProject(app);
    const receiver = await receiverFor(project);
    await dispatcher({ pollMs: 60_000 }).start();
    const [id] = await schedule(project, 1);
    const event = await receiver.waitFor((e) => e.id === id, 2000);
    expect(event.status).to.equal(200);
  });

  it('sends a delivery whose claim ran out because its dispatcher went away', async () => {
    const project = await createTestProject(app);
    const receiver = await receiverFor(project);
    const [id] = await schedule(project, 1);
    // A dispatcher claims it with a short lease and dies before sending.
    const now = new Date();
    const claimed = await store().claimDue(now, 1000, new Date(now.getTime() + 400));
    expect(claimed.map((row) => row.event_id)).to.include(id);
    await dispatcher().start();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(receiver.events).to.have.length(0);
    const event = await receiver.waitFor((e) => e.id === id, 3000);
    expect(event.attempt).to.equal(1);
  });

  it('never sends one delivery from two dispatchers', async () => {
    const project = await createTestProject(app);
    const receiver = await receiverFor(project);
    const ids = await schedule(project, 200);
    await Promise.all([
      dispatcher({ claimBatch: 20 }).start(),
      dispatcher({ claimBatch: 20 }).start(),
    ]);
    await eventually(async () =>
      (await deliveriesOf(project)).every((d) => d.status === 'succeeded') ? true : undefined,
    );
    expect(receiver.events).to.have.length(200);
    expect(new Set(receiver.events.map((e) => e.id)).size).to.equal(ids.length);
  });

  it('retries a failed attempt on schedule and keeps the same webhook-id', async () => {
    const project = await createTestProject(app);
    const receiver = await receiverFor(project, (attempt) => (attempt < 3 ? 503 : 200));
    const [id] = await schedule(project, 1);
    await dispatcher({ pollMs: 60_000 }).start();
    await receiver.waitFor((e) => e.id === id && e.status === 200, 3000);
    expect(receiver.events.map((e) => [e.id, e.status])).to.deep.equal([
      [id, 503],
      [id, 503],
      [id, 200],
    ]);
    const delivery = await eventually(async () => {
      const [row] = await deliveriesOf(project);
      return row.status === 'succeeded' ? row : undefined;
    });
    expect(delivery).to.include({ attempts: 3, last_status_code: 200 });
  });

  it('hands back the waiting deliveries of an endpoint whose breaker opens, unattempted', async () => {
    const project = await createTestProject(app);
    await receiverFor(project, () => 500);
    await schedule(project, 40);
    const started = Date.now();
    // A claim's lease (5 s) is shorter than the open breaker's minute: only a hand-back or
    // a park moves a delivery past 30 s.
    await dispatcher({ leaseMs: 5000 }).start();
    await eventually(async () => {
      const rows = await deliveriesOf(project);
      return rows.every((d) => d.next_attempt_at.getTime() > started + 30_000) ? true : undefined;
    });
    const rows = await deliveriesOf(project);
    expect(rows.every((d) => d.status === 'pending')).to.equal(true);
    // Only the first wave (10), and those started while the breaker counted up to its
    // threshold of 3 (2 more), reached the endpoint; the rest were parked with the breaker.
    const attempted = rows.filter((d) => d.attempts > 0);
    expect(attempted.length).to.be.within(10, 12);
    expect(await attemptsOf(project)).to.have.length(attempted.length);
  });

  it('on stop, hands back what has not started, due at once, and logs what was in flight', async () => {
    const project = await createTestProject(app);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const receiver = await receiverFor(project, async () => {
      await gate;
      return 200;
    });
    await schedule(project, 30);
    const made = dispatcher();
    await made.start();
    // Ten attempts reach the held endpoint; the other twenty wait in its lane.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.events).to.have.length(0);
    const stopping = made.stop();
    setTimeout(release, 100);
    await stopping;
    const rows = await deliveriesOf(project);
    const succeeded = rows.filter((d) => d.status === 'succeeded');
    const waiting = rows.filter((d) => d.status === 'pending');
    expect(succeeded).to.have.length(10);
    expect(waiting).to.have.length(20);
    expect(waiting.every((d) => d.attempts === 0 && d.next_attempt_at <= new Date())).to.equal(
      true,
    );
    expect(await attemptsOf(project)).to.have.length(10);
  });

  it('keeps at most 10 attempts in flight per endpoint and hands back what waits too long', async () => {
    const project = await createTestProject(app);
    let inFlight = 0;
    let most = 0;
    const receiver = await receiverFor(project, async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 150));
      inFlight -= 1;
      return 200;
    });
    const ids = await schedule(project, 40);
    // 40 claimed at once; the lane starts 10 at a time, so the last ones would wait ~450 ms:
    // those past 200 ms go back to the table, due at once, and are claimed again.
    await dispatcher({ maxWaitMs: 200, pollMs: 50 }).start();
    await eventually(
      async () =>
        (await deliveriesOf(project)).every((d) => d.status === 'succeeded') ? true : undefined,
      10_000,
    );
    expect(most).to.be.at.most(10);
    expect(receiver.events.map((e) => e.id).sort()).to.deep.equal([...ids].sort());
    expect(receiver.events.every((e) => e.attempt === 1)).to.equal(true);
    expect(await attemptsOf(project)).to.have.length(40);
  });

  it('calls a paced backlog back once its endpoint is fast again, not at the pace of its hang', async function () {
    this.timeout(60_000);
    const project = await createTestProject(app);
    let hung = 0;
    let healthySince = 0;
    await receiverFor(project, async () => {
      // The first ten attempts hang 1.5 s each (the pace climbs to ~1 s an attempt), then
      // the endpoint answers at once.
      if (hung < 10) {
        hung += 1;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        if (hung === 10) healthySince = Date.now();
      }
      return 200;
    });
    await schedule(project, 300);
    await dispatcher({ maxWaitMs: 1000, pollMs: 50 }).start();
    await eventually(
      async () =>
        (await deliveriesOf(project)).every((d) => d.status === 'succeeded') ? true : undefined,
      30_000,
    );
    // Paced at the hang's rate, the last ones came back ~30 s later.
    expect(Date.now() - healthySince).to.be.below(5_000);
  });

  it('drops an attempt whose number another dispatcher already logged', async () => {
    const project = await createTestProject(app);
    await receiverFor(project);
    await schedule(project, 1);
    const [delivery] = await deliveriesOf(project);
    const attempt = (id: string, status_code: number) => ({
      attempt: {
        id,
        delivery_id: delivery.id,
        project_id: project.id,
        number: 1,
        attempted_at: new Date(),
        status_code,
        latency_ms: 3,
        error: null,
        response_snippet: null,
      },
      update: { status: 'pending' as const, next_attempt_at: new Date(), updated_at: new Date() },
    });
    await store().recordAttempts([attempt('wha_first', 503)]);
    await store().recordAttempts([attempt('wha_late', 500)]);
    const logged = await attemptsOf(project);
    expect(logged.map((a) => a.id)).to.deep.equal(['wha_first']);
    expect((await deliveriesOf(project))[0]).to.include({ attempts: 1, last_status_code: 503 });
  });

  /**
   * Schedules `count` deliveries as a worker's statement does, offered to `local` (this
   * process's dispatcher), in one transaction; adopts them after the commit unless told not
   * to. Their delivery ids.
   */
  async function handOver(
    project: TestProject,
    count: number,
    local: ReturnType<typeof dispatcher>,
    options: { adopt: boolean },
  ): Promise<string[]> {
    const { ids, clock } = app.runtime.services;
    const receiverUrl = (await db('projects').where({ id: project.id }).first()).webhook_url;
    const scheduler = createWebhookScheduler({
      store: store(),
      ids,
      clock,
      retryDelaysSec: [0.2, 0.2],
      projectWebhookUrl: async () => receiverUrl as string,
      handOff: local,
    });
    const events = Array.from({ length: count }, (_, i) => ({
      id: ids('evt'),
      type: 'message.sent',
      createdAt: clock.now(),
      data: { i },
    }));
    const planned = await scheduler.manySql(
      events.map((event) => ({ projectId: project.id, event })),
      { forEventsOf: 'appended', name: 'hooks', handOff: true },
    );
    await db.transaction((trx) =>
      trx.raw(
        `with appended as (select unnest(?::text[]) as id), ${planned.sql}
         select (select count(*) from hooks)::int as woken`,
        [events.map((e) => e.id), ...planned.bindings],
      ),
    );
    if (options.adopt) planned.adopt();
    const rows = await db('webhook_deliveries').whereIn(
      'event_id',
      events.map((e) => e.id),
    );
    return rows.map((row: { id: string }) => row.id);
  }

  it('sends deliveries its own process hands over without claiming them or waking anyone', async () => {
    const project = await createTestProject(app);
    const receiver = await receiverFor(project);
    const claimed: string[] = [];
    const base = store();
    const local = dispatcher({
      store: {
        ...base,
        claimDue: async (...args: Parameters<typeof base.claimDue>) => {
          const rows = await base.claimDue(...args);
          claimed.push(...rows.map((row) => row.id));
          return rows;
        },
      },
    });
    await local.start();
    let woken = 0;
    const listener = await listenFor({
      databaseUrl: harnessSettings.databaseUrl,
      channel: DELIVERIES_CHANNEL,
      logger,
      onNotify: () => {
        woken += 1;
      },
    });
    running.push(listener);
    const handed = await handOver(project, 30, local, { adopt: true });
    await eventually(async () => (receiver.events.length === 30 ? true : undefined));
    expect(receiver.events.every((e) => e.verified && e.attempt === 1)).to.equal(true);
    expect(claimed.filter((id) => handed.includes(id))).to.deep.equal([]);
    expect(woken, 'no dispatcher was woken').to.equal(0);
    // Attempts are logged once answered (group commit): the last may still be on its way.
    await eventually(async () =>
      (await deliveriesOf(project)).every((d) => d.status === 'succeeded') ? true : undefined,
    );
  });

  it('sends a handed-over delivery that was never adopted once its lease runs out', async () => {
    const project = await createTestProject(app);
    const receiver = await receiverFor(project);
    const local = dispatcher({ leaseMs: 400 });
    await local.start();
    // The process "dies" between its commit and the hand-over: nothing adopts the rows.
    await handOver(project, 3, local, { adopt: false });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(receiver.events, 'not before the lease ran out').to.have.length(0);
    await eventually(async () => (receiver.events.length === 3 ? true : undefined));
    expect(receiver.events.every((e) => e.attempt === 1)).to.equal(true);
  });
});
