import type { MediaControl } from '../../connectors/index.js';
import {
  UnavailableError,
  isAppError,
  withTimeout,
  type JobContext,
  type JobHandler,
} from '../../platform/index.js';
import { CALLS_QUEUE, HANGUP_JOB, ORIGINATE_JOB, REDIRECT_JOB } from '../calls.service.js';
import type { CallRow } from '../calls.store.js';
import { createCallLoader, liveCallFromRow } from './call-loader.js';
import { createSideRecordings } from './call-recording.js';
import type { OrchestratorContext } from './context.js';
import { endpointFor } from './dial-command.js';
import { createFlowDriver } from './flow-driver.js';
import { createInboundCalls } from './inbound.js';
import { createCallRegistry, type LiveCall } from './live-call.js';
import { createMediaEventRouter, OUTBOUND_CALL_MARKER } from './media-events.js';
import { reconcileCalls } from './reconcile.js';

export type OrchestratorDeps = Omit<OrchestratorContext, 'registry' | 'sideRecordings' | 'media'>;

/** How long `stop()` lets running call steps finish before closing the PBX connection. */
const DRAIN_MS = 2_000;
/** The first and the longest wait before a failed reconciliation is tried again. */
const RECONCILE_RETRY_MS = 250;
const RECONCILE_RETRY_MAX_MS = 10_000;

/**
 * The call orchestrator: owns the calls whose Stasis events this process receives. ARI events
 * become interpreter events, interpreter commands become ARI requests; call-control jobs
 * (`calls.originate`, `calls.hangup`, `calls.redirect`) come through the outbox. Call state
 * is in Postgres after every step, so another instance can take over after a crash.
 */
export function createOrchestrator(deps: OrchestratorDeps) {
  let media: MediaControl | null = null;
  let unsubscribe: (() => void) | null = null;
  /**
   * Connections seen (and stops): the first reconciles a start, the others a reconnect; a
   * reconciliation retries only while its own is the latest.
   */
  let connections = 0;
  const ctx: OrchestratorContext = {
    ...deps,
    registry: createCallRegistry(deps.logger),
    sideRecordings: createSideRecordings(deps.logger),
    media: () => {
      if (!media) throw new UnavailableError('The PBX is not connected.', 'ari_unavailable');
      return media;
    },
  };
  const driver = createFlowDriver(ctx);
  const inbound = createInboundCalls(ctx, driver);
  const loader = createCallLoader(ctx);

  /** Failed reconciliations in a row (for the back-off); 0 once one succeeds. */
  let reconcileFailures = 0;

  /**
   * Reconciles live calls on every (re)connection. One that fails (the PBX would not list its
   * channels) is tried again later with back-off (a call missed here would wait in silence
   * until its caller hangs up), as a connection event of its own: this one runs behind a
   * barrier that holds every other event, so it must not wait. A newer connection or `stop()`
   * cancels the retry.
   */
  async function onConnection(up: boolean): Promise<void> {
    if (!up) return;
    const reason = connections === 0 ? 'start' : 'reconnect';
    const generation = ++connections;
    try {
      await reconcileCalls(ctx, driver, loader, reason);
      reconcileFailures = 0;
    } catch (err) {
      reconcileFailures += 1;
      const delayMs = Math.min(
        RECONCILE_RETRY_MAX_MS,
        RECONCILE_RETRY_MS * 2 ** Math.min(reconcileFailures - 1, 10),
      );
      deps.logger.error({ err, retry_in_ms: delayMs }, 'call reconciliation failed');
      setTimeout(() => {
        if (generation === connections && media?.ready) {
          handleEvent({ type: 'connection', up: true });
        }
      }, delayMs).unref();
    }
  }

  const handleEvent = createMediaEventRouter({ ctx, driver, inbound, loader, onConnection });

  /**
   * Moves a queued call to `initiated`: the row is read, then changed with its event in one
   * statement built from it. `dial` says whether to originate now: the call was queued, or a
   * retry finds it still initiated.
   */
  async function initiate(callId: string): Promise<{ row: CallRow | undefined; dial: boolean }> {
    const row = await ctx.store.find(callId);
    if (!row) return { row, dial: false };
    const moved = await ctx.callEvents.moveStatusFrom(row, 'initiated', {
      extra: { channel_id: callId },
    });
    if (moved) return { row: moved, dial: true };
    // Not moved: another attempt got there first (read again) or it is already past queued.
    const current = row.status === 'queued' ? await ctx.store.find(callId) : row;
    return { row: current, dial: current?.status === 'initiated' };
  }

  async function dial(call: LiveCall, row: CallRow): Promise<void> {
    try {
      await ctx.media().originate({
        channelId: call.channelId,
        endpoint: endpointFor(ctx.dialTemplate, row.to_addr),
        callerId: row.from_addr,
        timeoutSec: row.timeout,
        appArgs: [OUTBOUND_CALL_MARKER, call.id],
      });
      call.originatedAt = Date.now();
    } catch (err) {
      if (!isAppError(err) || err.retryable) throw err;
      await driver.end(call, { cause: 0, reason: 'originate_failed' });
    }
  }

  /**
   * `calls.originate`: the live call is built from the row its move to `initiated` returns and
   * registered before anything is dialled; a retry of a call this process runs dials again
   * (originate is idempotent on the PBX while the channel exists).
   */
  async function originate(callId: string): Promise<void> {
    const started: { dialing?: Promise<void> } = {};
    const call =
      ctx.registry.get(callId) ??
      (await loader.adopt(callId, async () => {
        const { row, dial: ready } = await initiate(callId);
        if (!row || !ready) return null;
        const created: LiveCall = { ...liveCallFromRow(row), originating: true };
        ctx.registry.add(created);
        started.dialing = ctx.registry.run(created, () => dial(created, row));
        return created;
      }));
    if (started.dialing) return started.dialing;
    if (!call) return;
    await ctx.registry.run(call, async () => {
      const { row, dial: ready } = await initiate(callId);
      if (row && ready && !call.ended) await dial(call, row);
    });
  }

  async function failOriginate(callId: string): Promise<void> {
    const call = ctx.registry.get(callId) ?? (await loader.findCall(callId));
    if (call)
      await ctx.registry.run(call, () =>
        driver.end(call, { cause: 0, reason: 'originate_failed' }),
      );
  }

  async function hangup(callId: string): Promise<void> {
    const call = await loader.findCall(callId);
    if (!call) return;
    await ctx.registry.run(call, async () => {
      if (call.ended) return;
      await ctx.media().hangup(call.channelId);
      // Set once the PBX took the request (the call's events run after this, in its queue): a
      // hang-up that failed must not make a later busy read as canceled.
      call.hungUpByApi = true;
      if (!call.answered) call.canceledByUs = true;
    });
  }

  async function redirect(callId: string, flowId: string): Promise<void> {
    const call = await loader.findCall(callId);
    if (!call) return;
    await ctx.registry.run(call, async () => {
      if (call.ended) return;
      if (call.answered) return driver.redirect(call, flowId);
      // Not answered yet: the API stored the new flow on the row; the answer starts it.
      const row = await ctx.store.find(callId);
      if (row) {
        call.definition = row.flow_definition;
        call.row = row;
      }
    });
  }

  const handler: JobHandler = {
    queue: CALLS_QUEUE,
    concurrency: 50,
    async handle(job: JobContext) {
      if (!media?.ready) await job.postpone(250);
      const callId = String(job.data.call_id ?? '');
      if (job.name === ORIGINATE_JOB) await originate(callId);
      else if (job.name === HANGUP_JOB) await hangup(callId);
      else if (job.name === REDIRECT_JOB) await redirect(callId, String(job.data.flow_id ?? ''));
    },
    async onFinished(job, outcome) {
      if (outcome === 'failed' && job.name === ORIGINATE_JOB) {
        await failOriginate(String(job.data.call_id ?? ''));
      }
    },
  };

  /** Stops this process's timers and requests on every call; the calls stay live in Postgres. */
  function suspendCalls(): void {
    for (const call of ctx.registry.all()) {
      const activity = call.activity;
      if (activity?.kind === 'collect') activity.collector.cancel();
      if (activity?.kind === 'pause') activity.cancelTimer();
      if (activity?.kind === 'http') activity.abort.abort();
      call.ended = true;
    }
  }

  return {
    handler,
    /** Subscribes to the PBX; the first connection reconciles live calls (a restart). */
    attach(control: MediaControl): void {
      media = control;
      unsubscribe = control.onEvent(handleEvent);
      if (control.ready) handleEvent({ type: 'connection', up: true });
    },
    async stop(): Promise<void> {
      connections++; // ends a reconciliation's retries
      unsubscribe?.();
      unsubscribe = null;
      inbound.stop();
      suspendCalls();
      const queues = ctx.registry.all().map((call) => call.queue);
      // Work still queued after DRAIN_MS is left to the next orchestrator.
      await withTimeout(
        Promise.all([...queues, ctx.sideRecordings.settled()]),
        DRAIN_MS,
        () => new Error('calls still busy'),
      ).catch(() => undefined);
      await media?.close();
      media = null;
    },
    /** The live call on a channel, for the sandbox API (null when none). */
    callOnChannel: (channelId: string) => ctx.registry.byChannel(channelId) ?? null,
    get ready(): boolean {
      return media?.ready ?? false;
    },
  };
}

export type Orchestrator = ReturnType<typeof createOrchestrator>;
