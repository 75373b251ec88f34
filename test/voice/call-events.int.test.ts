import { expect } from 'chai';
import type { Db } from '../../src/platform/index.js';
import { createCallEvents, type CallEvents } from '../../src/voice/call-events.js';
import { callView } from '../../src/voice/call-view.js';
import { createCallsStore, type CallRow } from '../../src/voice/calls.store.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { queuedCallRow } from './voice-fixtures.js';

/**
 * `moveStatusFrom`: a status change written in one statement from the row the orchestrator
 * believes the call has, and the slow way (lock, read, write) whenever that belief is wrong.
 */
describe('call events: a status change from a known row', () => {
  let app: TestApp;
  let db: Db;
  let store: ReturnType<typeof createCallsStore>;
  let callEvents: CallEvents;
  let projectId: string;
  let n = 0;

  before(async () => {
    app = await startApp({ roles: { worker: false, orchestrator: false } });
    db = app.runtime.db;
    store = createCallsStore(db);
    const { events, scheduleWebhook, clock } = app.runtime.services;
    callEvents = createCallEvents({ db, store, events, scheduleWebhook, clock });
    projectId = (await createTestProject(app, 'call-events')).id;
  });
  after(() => app.stop());

  /** A call moved to `initiated` the slow way, as the orchestrator's first write does. */
  async function initiatedCall(statusCallback: string | null = null): Promise<CallRow> {
    n += 1;
    const row = queuedCallRow(`call_EVTS${String(n).padStart(22, '0')}`, projectId, {
      statusCallback,
    });
    await db.transaction((trx) => store.insert(trx, row));
    const moved = await db.transaction((trx) => callEvents.moveStatus(trx, row.id, 'initiated'));
    return moved!;
  }

  async function stream(callId: string) {
    return (await db('events')
      .where({ stream_id: callId })
      .orderBy('stream_version')
      .select('type', 'stream_version', 'data')) as Array<{
      type: string;
      stream_version: number;
      data: Record<string, unknown>;
    }>;
  }

  async function counting<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    const statements: string[] = [];
    const listen = (q: { sql: string }) => statements.push(q.sql);
    db.on('query', listen);
    try {
      return { result: await work(), statements };
    } finally {
      db.off('query', listen);
    }
  }

  it('writes the change and its event in one statement, the event showing the row as stored', async () => {
    const known = await initiatedCall();
    const { result, statements } = await counting(() =>
      callEvents.moveStatusFrom(known, 'ringing'),
    );
    expect(statements).to.have.length(1);
    expect(result?.status).to.equal('ringing');
    const stored = (await store.find(known.id))!;
    const events = await stream(known.id);
    expect(events.map((e) => e.type)).to.deep.equal(['call.initiated', 'call.ringing']);
    expect(events[1].data).to.deep.equal(callView(stored));
  });

  it('schedules the status webhook in the same statement', async () => {
    const known = await initiatedCall('https://example.test/status');
    const { statements } = await counting(() => callEvents.moveStatusFrom(known, 'ringing'));
    expect(statements).to.have.length(1);
    const [event] = (await db('events')
      .where({ stream_id: known.id, type: 'call.ringing' })
      .select('id')) as Array<{ id: string }>;
    const delivery = await db('webhook_deliveries').where({ event_id: event.id }).first();
    expect(delivery).to.include({ url: 'https://example.test/status', event_type: 'call.ringing' });
    expect(JSON.parse(delivery.body as string)).to.include({ id: event.id, type: 'call.ringing' });
    expect(delivery).to.include({ status: 'pending', attempts: 0 });
    expect(delivery.next_attempt_at).to.be.an.instanceOf(Date);
  });

  it('falls back to a locked read when the row changed behind it, and the event shows the row as it is', async () => {
    const known = await initiatedCall();
    await db('calls')
      .where({ id: known.id })
      .update({ status_callback: 'https://example.test/new' });
    const moved = await callEvents.moveStatusFrom(known, 'ringing');
    expect(moved).to.include({ status: 'ringing', status_callback: 'https://example.test/new' });
    const events = await stream(known.id);
    expect(events[1].data).to.include({ status_callback: 'https://example.test/new' });
  });

  it('does not apply a change checked against a status the call no longer has', async () => {
    const known = await initiatedCall();
    // Only the status moved (nothing else the view shows): the status itself must be checked.
    await db('calls').where({ id: known.id }).update({ status: 'ringing' });
    const moved = await callEvents.moveStatusFrom(known, 'ringing');
    expect(moved).to.equal(null);
    expect((await stream(known.id)).map((e) => e.type)).to.deep.equal(['call.initiated']);
  });

  it('makes no change the status machine refuses, even when the known row is out of date', async () => {
    const known = await initiatedCall();
    await callEvents.moveStatusFrom(known, 'completed');
    const moved = await callEvents.moveStatusFrom(known, 'ringing');
    expect(moved).to.equal(null);
    expect((await store.find(known.id))!.status).to.equal('completed');
    expect((await stream(known.id)).map((e) => e.type)).to.deep.equal([
      'call.initiated',
      'call.completed',
    ]);
  });

  it('retries the slow way when another append to the stream commits while it waits', async () => {
    const known = await initiatedCall();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const other = db.transaction(async (trx) => {
      const row = (await store.lock(trx, known.id))!;
      await callEvents.recordNote(trx, row, 'call.redirected', { flow_id: 'flow_x' });
      locked();
      await held;
    });
    await isLocked;
    const moving = counting(() => callEvents.moveStatusFrom(known, 'ringing'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await other;
    const { result, statements } = await moving;
    expect(result?.status).to.equal('ringing');
    expect(statements[0], 'the one-statement try came first').to.match(/^with moved as/);
    expect(statements.length, 'then the slow way').to.be.greaterThan(1);
    const events = await stream(known.id);
    expect(events.map((e) => e.type)).to.deep.equal([
      'call.initiated',
      'call.redirected',
      'call.ringing',
    ]);
    expect(events.map((e) => e.stream_version)).to.deep.equal([1, 2, 3]);
  });

  it('records flow steps with a state update in one statement', async () => {
    const known = await initiatedCall();
    const entry = { step: 'a', verb: 'hangup', at: new Date().toISOString() } as never;
    const { statements } = await counting(() =>
      callEvents.updateWithSteps(known, { flow_command: null, updated_at: new Date() }, [entry]),
    );
    expect(statements).to.have.length(1);
    expect((await stream(known.id)).map((e) => e.type)).to.deep.equal([
      'call.initiated',
      'call.step',
    ]);
  });
});
