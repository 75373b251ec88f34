import { expect } from 'chai';
import {
  createOutbox,
  createOutboxFinisher,
  createOutboxRelay,
  type OutboxRelay,
} from '../../src/events/index.js';
import {
  createDb,
  createIdGenerator,
  createJobRunner,
  createQueueRegistry,
  createRedis,
  createSilentLogger,
  redisOptions,
  systemClock,
  type Db,
  type JobRunner,
  type QueueRegistry,
  type Redis,
} from '../../src/platform/index.js';
import { eventually } from '../support/http.js';
import { harnessSettings, prepareDatabase, wipeRedis } from '../support/harness.js';

describe('outbox relay', () => {
  const logger = createSilentLogger();
  const ids = createIdGenerator(systemClock);
  const outbox = createOutbox({ ids, clock: systemClock });
  let db: Db;
  let redis: Redis;
  let queues: QueueRegistry;
  let relay: OutboxRelay;
  let queueName: string;
  const seen: string[] = [];

  function runner(
    handle: (id: string) => Promise<void>,
    options: { storeWaitMaxMs?: number } = {},
  ): JobRunner {
    return createJobRunner({
      ...options,
      connection: redisOptions(harnessSettings.redisUrl),
      prefix: harnessSettings.redisPrefix,
      logger,
      handlers: [{ queue: queueName, concurrency: 4, handle: (job) => handle(String(job.data.n)) }],
      markFinished: createOutboxFinisher({ db, clock: systemClock }),
      storeRetryMs: 50,
    });
  }

  async function addWork(count: number, options?: { attempts: number }): Promise<void> {
    await db.transaction(async (trx) => {
      for (let n = 0; n < count; n++) {
        await outbox.add(trx, {
          projectId: null,
          queue: queueName,
          name: 'test.work',
          payload: { n: `${queueName}-${n}` },
          options: options && { ...options, backoff: { type: 'fixed', delay: 10 } },
        });
      }
    });
  }

  const openRows = async () =>
    Number(
      (
        await db('outbox')
          .where({ queue: queueName })
          .whereNull('completed_at')
          .count<{ count: string }[]>('* as count')
      )[0].count,
    );

  beforeEach(async () => {
    await prepareDatabase();
    queueName = `test-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
    seen.length = 0;
    db = createDb(harnessSettings.databaseUrl, 4);
    redis = createRedis(harnessSettings.redisUrl);
    queues = createQueueRegistry({ connection: redis, prefix: harnessSettings.redisPrefix });
    relay = createOutboxRelay({
      db,
      databaseUrl: harnessSettings.databaseUrl,
      queues,
      logger,
      clock: systemClock,
      sweepMs: 100,
      recheckMs: 0,
    });
  });
  afterEach(async () => {
    await relay.stop();
    await queues.close();
    redis.disconnect();
    await db.destroy();
  });

  it('moves committed rows to the queue on NOTIFY and closes them when the job finishes', async () => {
    const jobs = runner(async (n) => void seen.push(n));
    jobs.start();
    await relay.start();
    await addWork(20);
    await eventually(async () => (seen.length === 20 ? true : undefined));
    await eventually(async () => ((await openRows()) === 0 ? true : undefined));
    await jobs.stop();
    expect(new Set(seen).size).to.equal(20);
  });

  it('loses nothing when Redis is wiped while work is pending', async () => {
    await addWork(30);
    expect(await relay.drain()).to.equal(30);
    expect(await wipeRedis()).to.be.greaterThan(0);
    const jobs = runner(async (n) => void seen.push(n));
    jobs.start();
    await relay.start();
    await eventually(async () => (new Set(seen).size === 30 ? true : undefined), 8000);
    await eventually(async () => ((await openRows()) === 0 ? true : undefined));
    await jobs.stop();
  });

  it('postpones a job that meets an unavailable database without spending its attempts', async () => {
    await addWork(1);
    let tries = 0;
    const jobs = runner(async (n) => {
      tries += 1;
      // More failures than the job's 5 attempts, all of them the database being away.
      if (tries <= 7) {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
          code: 'ECONNREFUSED',
        });
      }
      seen.push(n);
    });
    jobs.start();
    await relay.start();
    await eventually(async () => (seen.length === 1 ? true : undefined), 10_000);
    await eventually(async () => ((await openRows()) === 0 ? true : undefined));
    expect(tries).to.equal(8);
    await jobs.stop();
  });

  it('spends attempts again on database outages once the job is older than the free wait', async () => {
    await addWork(1, { attempts: 3 });
    let tries = 0;
    const jobs = runner(
      async () => {
        tries += 1;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
          code: 'ECONNREFUSED',
        });
      },
      { storeWaitMaxMs: 300 },
    );
    jobs.start();
    await relay.start();
    // Postponed for free for 300 ms (tries every 50 ms), then its 3 attempts are spent and the
    // job fails for good: its outbox row is closed.
    await eventually(async () => ((await openRows()) === 0 ? true : undefined), 10_000);
    await jobs.stop();
    expect(tries).to.be.greaterThan(3);
    const [row] = await db('outbox').where({ queue: queueName }).select('outcome');
    expect(row?.outcome).to.equal('failed');
  });

  it('gives a batch up, its rows unlocked, when Redis does not answer', async () => {
    // Nothing listens on port 1: BullMQ's commands wait there, as during an outage.
    const down = createRedis('redis://127.0.0.1:1');
    down.on('error', () => undefined);
    const stuck = createOutboxRelay({
      db,
      databaseUrl: harnessSettings.databaseUrl,
      queues: createQueueRegistry({ connection: down, prefix: harnessSettings.redisPrefix }),
      logger,
      clock: systemClock,
      sweepMs: 60_000,
      enqueueTimeoutMs: 300,
    });
    try {
      await addWork(2);
      const started = Date.now();
      await stuck.drain().catch(() => undefined);
      expect(Date.now() - started).to.be.below(3_000);
      // No transaction holds the rows: they can be locked at once, and are still to move.
      const free = await db.transaction((trx) =>
        trx('outbox').where({ queue: queueName }).whereNull('enqueued_at').forUpdate().noWait(),
      );
      expect(free).to.have.length(2);
    } finally {
      await stuck.stop();
      down.disconnect();
    }
  });

  it('finishes in-flight jobs before a graceful stop returns', async () => {
    let finished = 0;
    const jobs = runner(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished++;
    });
    jobs.start();
    await addWork(3);
    await relay.drain();
    await eventually(async () =>
      (await queues.get(queueName).getActiveCount()) === 3 ? true : undefined,
    );
    await jobs.stop();
    expect(finished).to.equal(3);
    expect(await openRows()).to.equal(0);
  });
});
