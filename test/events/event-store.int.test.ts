import { expect } from 'chai';
import { createEventStore } from '../../src/events/index.js';
import { createDb, createIdGenerator, systemClock, type Db } from '../../src/platform/index.js';
import { harnessSettings, prepareDatabase } from '../support/harness.js';
import { eventually } from '../support/http.js';

describe('event store', () => {
  let db: Db;
  let store: ReturnType<typeof createEventStore>;
  const projectId = `prj_events_${Date.now()}`;
  before(async () => {
    await prepareDatabase();
    db = createDb(harnessSettings.databaseUrl, 4);
    store = createEventStore({ db, ids: createIdGenerator(systemClock), clock: systemClock });
  });
  after(() => db.destroy());

  it("numbers a stream's events in order within the caller's transaction", async () => {
    const streamId = `msg_stream_${Date.now()}`;
    await db.transaction((trx) =>
      store.append(trx, {
        projectId,
        streamType: 'message',
        streamId,
        events: [{ type: 'message.queued', data: { a: 1 } }],
      }),
    );
    await db.transaction((trx) =>
      store.append(trx, {
        projectId,
        streamType: 'message',
        streamId,
        events: [
          { type: 'message.sent', data: {} },
          { type: 'message.delivered', data: {} },
        ],
      }),
    );
    const events = await store.readStream(projectId, streamId);
    expect(events.map((e) => [e.streamVersion, e.type])).to.deep.equal([
      [1, 'message.queued'],
      [2, 'message.sent'],
      [3, 'message.delivered'],
    ]);
    expect(await store.readStream('prj_other', streamId)).to.deep.equal([]);
  });

  it('moves a filtered reader past the events it left out, and still returns a later match', async () => {
    const append = (streamType: string, streamId: string) =>
      db.transaction((trx) =>
        store.append(trx, { projectId, streamType, streamId, events: [{ type: 't', data: {} }] }),
      );
    const start = await store.head();
    for (let i = 0; i < 3; i++) await append('message', `msg_skip_${Date.now()}_${i}`);
    const [newest] = await append('message', `msg_skip_${Date.now()}_last`);
    const empty = await store.readAll({ after: start, limit: 10, streamTypes: ['rare'] });
    expect(empty.events).to.deep.equal([]);
    expect(empty.cursor?.position).to.equal(Number(newest.position));

    const [rare] = await append('rare', `rare_${Date.now()}`);
    const next = await store.readAll({ after: empty.cursor, limit: 10, streamTypes: ['rare'] });
    expect(next.events.map((e) => e.id)).to.deep.equal([rare.id]);

    const full = await store.readAll({ after: start, limit: 2, streamTypes: ['message'] });
    expect(full.events).to.have.length(2);
    expect(full.cursor?.position, 'a full page stops at its last event').to.equal(
      full.events[1].position,
    );
  });

  it('appends to many streams in one statement, each continuing its own versions', async () => {
    const a = `msg_many_a_${Date.now()}`;
    const b = `msg_many_b_${Date.now()}`;
    await db.transaction((trx) =>
      store.append(trx, {
        projectId,
        streamType: 'message',
        streamId: a,
        events: [{ type: 'message.queued', data: {} }],
      }),
    );
    const input = (streamId: string, type: string) => ({
      projectId,
      streamType: 'message',
      streamId,
      events: [{ type, data: {} }],
    });
    const append = store.appendStreamsSql([
      input(a, 'message.sent'),
      input(b, 'message.queued'),
      input(a, 'message.delivered'),
    ]);
    const { rows } = await db.raw<{ rows: Array<{ id: string }> }>(
      `with appended as (${append.sql}) select id from appended`,
      append.bindings,
    );
    expect(rows).to.have.length(3);
    const versions = async (streamId: string) =>
      (await store.readStream(projectId, streamId)).map((e) => [e.streamVersion, e.type]);
    expect(await versions(a)).to.deep.equal([
      [1, 'message.queued'],
      [2, 'message.sent'],
      [3, 'message.delivered'],
    ]);
    expect(await versions(b)).to.deep.equal([[1, 'message.queued']]);
  });

  it("leaves nothing behind when the caller's transaction rolls back", async () => {
    const streamId = `msg_rollback_${Date.now()}`;
    await db
      .transaction(async (trx) => {
        await store.append(trx, {
          projectId,
          streamType: 'message',
          streamId,
          events: [{ type: 'x', data: {} }],
        });
        throw new Error('abort');
      })
      .catch(() => undefined);
    expect(await store.readStream(projectId, streamId)).to.deep.equal([]);
  });

  it('never lets a reader skip an event that commits after a later one', async () => {
    const start = await store.readAll({ after: null, limit: 10_000, projectId });
    let cursor = start.cursor;
    const early = await db.transaction();
    await store.append(early, {
      projectId,
      streamType: 'test',
      streamId: `s_early_${Date.now()}`,
      events: [{ type: 'early', data: {} }],
    });
    await db.transaction((trx) =>
      store.append(trx, {
        projectId,
        streamType: 'test',
        streamId: `s_late_${Date.now()}`,
        events: [{ type: 'late', data: {} }],
      }),
    );
    const whileOpen = await store.readAll({ after: cursor, limit: 100, projectId });
    expect(whileOpen.events.map((e) => e.type)).to.deep.equal([]);
    cursor = whileOpen.cursor;
    await early.commit();
    // Any transaction running anywhere in the cluster (autovacuum's ANALYZE takes an xid too)
    // can hold the snapshot's xmin back for a moment: the reader then sees the events a little
    // later, never out of order and never skipped.
    const afterCommit = await eventually(async () => {
      const page = await store.readAll({ after: cursor, limit: 100, projectId });
      return page.events.length >= 2 ? page : undefined;
    });
    expect(afterCommit.events.map((e) => e.type)).to.deep.equal(['early', 'late']);
    const again = await store.readAll({ after: afterCommit.cursor, limit: 100, projectId });
    expect(again.events).to.deep.equal([]);
  });

  it('reads every committed event of the types asked, also one an open transaction precedes', async () => {
    const from = await store.head();
    const append = (trx: Parameters<typeof store.append>[0], type: string) =>
      store.append(trx, {
        projectId,
        streamType: 'test',
        streamId: `s_committed_${type}_${Date.now()}`,
        events: [{ type, data: {} }],
      });
    const open = await db.transaction();
    try {
      await append(open, 'wanted.open');
      await db.transaction((trx) => append(trx, 'wanted'));
      await db.transaction((trx) => append(trx, 'other'));
      const read = { after: from, projectId, streamTypes: ['test'], limit: 10 };
      const events = await store.readCommitted({ ...read, types: ['wanted', 'wanted.open'] });
      expect(events.map((e) => e.type)).to.deep.equal(['wanted']);
      expect((await store.readAll(read)).events).to.deep.equal([]);
    } finally {
      await open.rollback();
    }
  });
});
