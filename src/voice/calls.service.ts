import type { EventStore, Outbox } from '../events/index.js';
import type { NumberRow } from '../numbers/index.js';
import {
  storeAnswersSql,
  cte,
  decodeNumberCursor,
  encodeNumberCursor,
  pageFromRows,
  runCtes,
  ConflictError,
  NotFoundError,
  refuseField,
  toE164,
  type Clock,
  type Db,
  type IdGenerator,
  type AnswerWith,
  type PageQuery,
  type SqlFragment,
} from '../platform/index.js';
import type { CallEvents } from './call-events.js';
import { isFinalCallStatus } from './call-status.js';
import { newCallRow, type CallRow, type CallsStore } from './calls.store.js';
import { acceptFlowDefinition, MAX_INLINE_FLOW_BYTES } from './flow-definition.js';
import type { FlowsService, ResolvedFlow } from './flows.service.js';
import { timelineEntryOf } from './timeline.js';

/** The queue of call-control jobs, consumed by the orchestrator. */
export const CALLS_QUEUE = 'calls';
/** Job payload `{ call_id }`: dial a queued outbound call. */
export const ORIGINATE_JOB = 'calls.originate';
/** Job payload `{ call_id }`: hang up a live call (asked through the API). */
export const HANGUP_JOB = 'calls.hangup';
/** Job payload `{ call_id, flow_id }`: continue an answered call in another flow. */
export const REDIRECT_JOB = 'calls.redirect';

const DEFAULT_TIMEOUT_SEC = 30;

export interface CreateCallInput {
  to: string;
  from: string;
  flow_id?: string;
  flow?: unknown;
  status_callback?: string;
  timeout?: number;
  record?: boolean;
}

/**
 * Call use cases behind the API: place an outbound call (validate, resolve its flow, save the
 * call with its `queued` event and its originate job in one transaction), hang up, redirect,
 * and read the timeline. Anything touching a live channel is a job for the orchestrator.
 */
export function createCallsService(deps: {
  db: Db;
  store: CallsStore;
  callEvents: CallEvents;
  events: EventStore;
  outbox: Outbox;
  ids: IdGenerator;
  clock: Clock;
  flows: FlowsService;
  findNumber(number: string): Promise<NumberRow | undefined>;
  /** Throws 422 `invalid_callback_url`, naming the field at `path` (a JSON pointer). */
  checkCallbackUrl(url: string, path: string): Promise<void>;
}) {
  const { db, store } = deps;

  async function resolveFlow(projectId: string, input: CreateCallInput): Promise<ResolvedFlow> {
    if (input.flow_id !== undefined && input.flow !== undefined) {
      refuseField('/flow', 'flow_conflict', 'Give either flow_id or flow, not both.');
    }
    if (input.flow_id !== undefined) return deps.flows.resolveActive(projectId, input.flow_id);
    if (input.flow === undefined) refuseField('/flow_id', 'flow_required', 'Give flow_id or flow.');
    const definition = acceptFlowDefinition(input.flow, {
      prefix: '/flow',
      maxBytes: MAX_INLINE_FLOW_BYTES,
    });
    return { flowId: null, version: null, definition };
  }

  async function checkAddresses(projectId: string, input: CreateCallInput) {
    const to = toE164(input.to);
    if (!to) refuseField('/to', 'invalid_number', 'to is not a valid E.164 number.');
    const from = toE164(input.from);
    if (!from) refuseField('/from', 'invalid_from', 'from is not a valid E.164 number.');
    const owned = await deps.findNumber(from);
    if (!owned || owned.project_id !== projectId) {
      refuseField('/from', 'unknown_caller_id', `${from} is not a number of this project.`);
    }
    return { to, from };
  }

  /**
   * Saves the queued call, its originate job and its first timeline entry in one statement;
   * with `only`, only while that condition holds (the flow version is still active): null
   * when it no longer did. The call is new, so nothing else can append to its stream yet.
   */
  async function saveCall(
    row: CallRow,
    only?: SqlFragment,
    answerWith?: AnswerWith<CallRow>,
  ): Promise<CallRow | null> {
    const call = store.insertSql(row, only);
    // The answer to the request's Idempotency-Key commits with the call (see idempotency.ts).
    const answer =
      answerWith &&
      storeAnswersSql(
        [{ answer: answerWith, row }],
        row.created_at,
        'a.resource_id in (select id from inserted)',
      );
    const job = deps.outbox.addIfRowsSql(
      'inserted',
      {
        projectId: row.project_id,
        queue: CALLS_QUEUE,
        name: ORIGINATE_JOB,
        payload: { call_id: row.id },
        options: { attempts: 5, backoff: { type: 'exponential', delay: 500 } },
      },
      'job',
    );
    const note = deps.events.appendSql(
      {
        projectId: row.project_id,
        streamType: 'call',
        streamId: row.id,
        events: [{ type: 'call.queued', data: { status: 'queued' } }],
      },
      { onlyIf: 'inserted' },
    );
    const counts = await runCtes(
      db,
      [cte('inserted', call), job, cte('noted', note), answer ? cte('answered', answer) : null],
      answer ? ['inserted', 'job', 'answered'] : ['inserted', 'job'],
    );
    return counts.inserted > 0 ? row : null;
  }

  function queuedCall(
    projectId: string,
    input: CreateCallInput,
    to: string,
    from: string,
    flow: ResolvedFlow,
  ): CallRow {
    return newCallRow(
      {
        id: deps.ids('call'),
        project_id: projectId,
        direction: 'outbound',
        to_addr: to,
        from_addr: from,
        flow_id: flow.flowId,
        flow_version: flow.version,
        flow_definition: flow.definition,
        timeout: input.timeout ?? DEFAULT_TIMEOUT_SEC,
        record: input.record ?? false,
        status_callback: input.status_callback ?? null,
      },
      deps.clock.now(),
    );
  }

  /**
   * Places a call. A flow id whose active version this process has read before is not read
   * again: the call is inserted only if that version is still active, else the flow is read
   * and the call saved with what is active now. With `answerWith`, the answer to the
   * request's Idempotency-Key is stored with the call.
   */
  async function create(
    projectId: string,
    input: CreateCallInput,
    answerWith?: AnswerWith<CallRow>,
  ): Promise<CallRow> {
    const { to, from } = await checkAddresses(projectId, input);
    if (input.status_callback)
      await deps.checkCallbackUrl(input.status_callback, '/status_callback');
    const known =
      input.flow_id !== undefined && input.flow === undefined
        ? deps.flows.lastActive(projectId, input.flow_id)
        : undefined;
    if (known) {
      const saved = await saveCall(
        queuedCall(projectId, input, to, from, known.flow),
        known.stillActive,
        answerWith,
      );
      if (saved) return saved;
      deps.flows.forget(projectId, input.flow_id!);
    }
    const flow = await resolveFlow(projectId, input);
    return (await saveCall(queuedCall(projectId, input, to, from, flow), undefined, answerWith))!;
  }

  async function requireCall(projectId: string, id: string): Promise<CallRow> {
    const row = await store.findForProject(projectId, id);
    if (!row) throw new NotFoundError('Call');
    return row;
  }

  function refuseFinished(row: CallRow): void {
    if (isFinalCallStatus(row.status)) {
      throw new ConflictError(`The call has already ended (${row.status}).`, 'call_finished');
    }
  }

  /** Ends a call: a queued one is canceled at once; a live one is hung up by the orchestrator. */
  async function hangup(projectId: string, id: string): Promise<CallRow> {
    refuseFinished(await requireCall(projectId, id));
    return db.transaction(async (trx) => {
      const row = (await store.lock(trx, id))!;
      refuseFinished(row);
      if (row.status === 'queued') {
        return deps.callEvents.changeStatus(trx, row, 'canceled', { hangup_cause: 'canceled' });
      }
      await deps.outbox.add(trx, {
        projectId,
        queue: CALLS_QUEUE,
        name: HANGUP_JOB,
        payload: { call_id: id },
        options: { attempts: 5, backoff: { type: 'exponential', delay: 200 } },
      });
      return row;
    });
  }

  /**
   * Moves a call to another flow's active version: before the answer the call simply starts
   * in it; an answered call is redirected by the orchestrator, keeping its variables. The
   * orchestrator is told in both cases: a call it is ringing holds its flow in memory, and a
   * call it answered a moment ago may not be `in-progress` on its row yet.
   */
  async function redirect(projectId: string, id: string, flowId: string): Promise<CallRow> {
    refuseFinished(await requireCall(projectId, id));
    const flow = await deps.flows.resolveActive(projectId, flowId);
    return db.transaction(async (trx) => {
      const row = (await store.lock(trx, id))!;
      refuseFinished(row);
      await deps.callEvents.recordNote(trx, row, 'call.redirected', {
        flow_id: flowId,
        flow_version: flow.version,
      });
      let result = row;
      if (row.status !== 'in-progress') {
        const patch = {
          flow_id: flowId,
          flow_version: flow.version,
          flow_definition: flow.definition,
          updated_at: deps.clock.now(),
        };
        await store.update(trx, id, patch);
        result = { ...row, ...patch };
      }
      await deps.outbox.add(trx, {
        projectId,
        queue: CALLS_QUEUE,
        name: REDIRECT_JOB,
        payload: { call_id: id, flow_id: flowId },
        options: { attempts: 5, backoff: { type: 'exponential', delay: 200 } },
      });
      return result;
    });
  }

  /** A page of the call's timeline, oldest first, keyed by the events' stream version. */
  async function timeline(projectId: string, id: string, page: PageQuery) {
    await requireCall(projectId, id);
    const after = page.cursor ? decodeNumberCursor(page.cursor) : 0;
    const events = await deps.events.readStream(projectId, id, { after, limit: page.limit + 1 });
    return pageFromRows(events, page.limit, timelineEntryOf, (last) =>
      encodeNumberCursor(last.streamVersion),
    );
  }

  return { create, requireCall, hangup, redirect, timeline };
}

export type CallsService = ReturnType<typeof createCallsService>;
