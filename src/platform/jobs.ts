import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { isAppError } from './errors.js';
import type { Logger } from './logger.js';
import { isStoreUnavailable } from './store-errors.js';

/** What a job handler sees: the job id (= outbox row id), its name, data and attempt count. */
export interface JobContext {
  id: string;
  name: string;
  data: Record<string, unknown>;
  attemptsMade: number;
  /** Attempts allowed in all (from the job options); the last one is `attemptsMade + 1 === attempts`. */
  attempts: number;
  logger: Logger;
  /**
   * Puts the job back to run again in `ms` without using up an attempt (a webhook waiting for
   * its next retry, an endpoint whose breaker is open). Never returns: it ends this run.
   */
  postpone(ms: number): Promise<never>;
}

/**
 * A consumer of one queue. `handle` throws to retry (BullMQ back-off); throwing an AppError with
 * `retryable: false` stops retries at once. Handlers must be idempotent: a job can run twice
 * (a crash after the work but before the ack, or the relay re-enqueuing after a Redis wipe).
 */
export interface JobHandler {
  queue: string;
  concurrency: number;
  handle(job: JobContext): Promise<void>;
  /** Delay before retry number `attemptsMade`, for jobs added with `backoff: { type: 'custom' }`. */
  backoff?(attemptsMade: number, err: Error | undefined): number;
  /** Called once the job has finished for good (success, or failed with no retries left). */
  onFinished?(job: JobContext, outcome: 'completed' | 'failed', err?: Error): Promise<void>;
}

export interface JobRunner {
  start(): void;
  /** Stops taking jobs and waits for in-flight ones to finish (graceful shutdown). */
  stop(): Promise<void>;
}

/** How long after its creation a job may wait out an unavailable database for free. */
const STORE_WAIT_MAX_MS = 10 * 60_000;

export function createJobRunner(deps: {
  connection: RedisOptions;
  prefix: string;
  logger: Logger;
  handlers: JobHandler[];
  /** Marks the job's outbox row done, so the relay's sweep stops watching it. */
  markFinished(jobId: string, outcome: 'completed' | 'failed'): Promise<void>;
  /** How long a job that met an unavailable database waits before it runs again (ms; 1,000). */
  storeRetryMs?: number;
  /** How long after its creation a job may wait out an unavailable database for free (ms; 10 min). */
  storeWaitMaxMs?: number;
}): JobRunner {
  const storeWaitMaxMs = deps.storeWaitMaxMs ?? STORE_WAIT_MAX_MS;
  const workers: Worker[] = [];

  function contextOf(job: Job, token: string | undefined, logger: Logger): JobContext {
    return {
      async postpone(ms: number): Promise<never> {
        await job.moveToDelayed(Date.now() + Math.max(1, Math.round(ms)), token);
        throw new DelayedError();
      },
      id: job.id ?? '',
      name: job.name,
      data: job.data as Record<string, unknown>,
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      logger,
    };
  }

  function createWorker(handler: JobHandler): Worker {
    const processor = async (job: Job, token?: string) => {
      const logger = deps.logger.child({ queue: handler.queue, job_id: job.id, job: job.name });
      const ctx = contextOf(job, token, logger);
      try {
        await handler.handle(ctx);
      } catch (err) {
        if (err instanceof DelayedError) throw err;
        if (isStoreUnavailable(err) && Date.now() - job.timestamp < storeWaitMaxMs) {
          // Not the job's fault, so no attempt is spent: its few attempts ran out within
          // seconds of an outage, and the job (a call's originate) was failed for good with
          // nothing able to record it, the call left `queued`. For ten minutes from the
          // job's creation; then its attempts count again (a call is not placed hours late).
          logger.warn({ err: (err as Error).message }, 'store unavailable; job postponed');
          await ctx.postpone(deps.storeRetryMs ?? 1_000);
        }
        const lastAttempt = ctx.attemptsMade + 1 >= ctx.attempts;
        const permanent = isAppError(err) && !err.retryable;
        if (permanent || lastAttempt) {
          logger.warn({ err }, 'job failed for good');
          await deps.markFinished(ctx.id, 'failed');
          await handler.onFinished?.(ctx, 'failed', err as Error);
          if (permanent) throw new UnrecoverableError((err as Error).message);
        } else {
          logger.info(
            { err: (err as Error).message, attempt: ctx.attemptsMade + 1 },
            'job will retry',
          );
        }
        throw err;
      }
      await deps.markFinished(ctx.id, 'completed');
      await handler.onFinished?.(ctx, 'completed');
    };
    const worker = new Worker(handler.queue, processor, {
      connection: deps.connection as ConnectionOptions,
      prefix: deps.prefix,
      concurrency: handler.concurrency,
      autorun: false,
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600 },
      settings: handler.backoff
        ? {
            backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
              handler.backoff!(attemptsMade, err),
          }
        : undefined,
    });
    worker.on('error', (err) => deps.logger.error({ err, queue: handler.queue }, 'worker error'));
    return worker;
  }

  return {
    start() {
      for (const handler of deps.handlers) {
        const worker = createWorker(handler);
        workers.push(worker);
        void worker.run().catch((err) => deps.logger.error({ err }, 'worker stopped'));
      }
    },
    async stop() {
      await Promise.all(workers.map((w) => w.close()));
      workers.length = 0;
    },
  };
}
