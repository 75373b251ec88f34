import { expect } from 'chai';
import type { NumberRow } from '../../src/numbers/index.js';
import { createDb, createSilentLogger, type Db } from '../../src/platform/index.js';
import { ORIGINATE_JOB } from '../../src/voice/calls.service.js';
import type { Orchestrator } from '../../src/voice/orchestrator/orchestrator.js';
import { createTestProject, harnessSettings, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';
import { createFakeMedia, createTestOrchestrator, type FakeMedia } from './fake-pbx.js';
import {
  SAY_AND_END,
  uniqueNumber,
  callInStatus,
  inboundCallTo,
  type Api,
} from './voice-fixtures.js';

/** Text, say, hang up: the answer enters the sms step at once, the play ends with the rest. */
const TEXT_SAY_AND_END = {
  start: 'text',
  steps: {
    text: { verb: 'sms', to: '+14155550100', body: 'Calling you now.', next: 'hello' },
    ...SAY_AND_END.steps,
  },
};

const MENU = {
  start: 'menu',
  steps: {
    menu: {
      verb: 'gather',
      num_digits: 1,
      timeout: 30,
      prompt: { verb: 'say', text: 'Press 1.' },
      branches: { '1': 'one' },
    },
    one: { verb: 'hangup' },
  },
};

/**
 * How the orchestrator routes PBX events: a lane per call, so one call's slow step never holds
 * up another call, while each call's events keep the order the PBX sent them; and what one
 * outbound call costs in SQL statements (a regression guard for the single-UPDATE status moves).
 */
describe('call event routing (fake PBX)', () => {
  let app: TestApp;
  let api: Api;
  let db: Db;
  let orchestrator: Orchestrator;
  let fake: FakeMedia;
  /** Number lookups for these DIDs wait until the test releases them (or the test ends). */
  const held = new Map<string, Promise<void>>();
  const releases: Array<() => void> = [];

  before(async () => {
    app = await startApp({ roles: { orchestrator: false } });
    api = clientFor(app.url, (await createTestProject(app, 'routing')).apiKey);
    db = createDb(harnessSettings.databaseUrl, 4);
    orchestrator = createTestOrchestrator(app, {
      db,
      findNumber: async (number, lookup): Promise<NumberRow | undefined> => {
        await held.get(number);
        return lookup(number);
      },
    });
  });
  beforeEach(() => {
    fake = createFakeMedia();
    orchestrator.attach(fake.media);
  });
  afterEach(async () => {
    for (const release of releases.splice(0)) release();
    await orchestrator.stop();
  });
  after(async () => {
    await db.destroy();
    await app.stop();
  });

  /** A number whose calls run `definition`; with `hold`, its lookups wait for `release()`. */
  async function numberWith(definition: unknown, hold = false) {
    const flow = await api('POST', '/v1/flows', { body: { name: 'f', definition } });
    const number = uniqueNumber();
    await api('POST', '/v1/numbers', { body: { number, voice_flow_id: flow.body.id } });
    let release: () => void = () => undefined;
    if (hold) held.set(number, new Promise<void>((resolve) => (release = resolve)));
    releases.push(release);
    return { number, release };
  }

  /** A channel id of this file (channel ids are unique across the run's calls). */
  const channel = (name: string) => `routing-${name}-${Math.random().toString(36).slice(2, 8)}`;

  const playsOn = (channelId: string) => fake.plays.filter((p) => p.channelId === channelId);

  const callTo = (did: string) => inboundCallTo(api, did);

  async function timeline(callId: string, status: string) {
    await callInStatus(api, callId, status);
    const res = await api<{ data: { type: string; step?: string; outcome?: string }[] }>(
      'GET',
      `/v1/calls/${callId}/events`,
    );
    return res.body.data;
  }

  it("routes another call's events while an inbound call waits for its number lookup", async () => {
    const slow = await numberWith(MENU, true);
    const fast = await numberWith(MENU);
    const [held, free] = [channel('held'), channel('free')];
    fake.ring(held, slow.number);
    fake.ring(free, fast.number);
    await eventually(async () => (playsOn(free).length > 0 ? true : undefined));
    expect(playsOn(held), 'the held call has not been answered yet').to.deep.equal([]);
    slow.release();
    await eventually(async () => (playsOn(held).length > 0 ? true : undefined));
    for (const id of [held, free])
      fake.emit({ type: 'hangup', channelId: id, cause: 16, causeText: '' });
    await timeline(await callTo(slow.number), 'completed');
    await timeline(await callTo(fast.number), 'completed');
  });

  it('keeps the events of one call in the order the PBX sent them while it is accepted', async () => {
    const slow = await numberWith(MENU, true);
    const keys = channel('keys');
    fake.ring(keys, slow.number);
    fake.emit({ type: 'dtmf', channelId: keys, digit: '1' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    slow.release();
    await eventually(async () => (fake.hangups.includes(keys) ? true : undefined));
    fake.emit({ type: 'hangup', channelId: keys, cause: 16, causeText: 'Normal Clearing' });
    const entries = await timeline(await callTo(slow.number), 'completed');
    expect(entries.filter((e) => e.step).map((e) => `${e.step}:${e.outcome}`)).to.deep.equal([
      'menu:matched',
      'one:hangup',
    ]);
  });

  it('keeps the order of many calls accepted at once, each with its key pressed early', async () => {
    const numbers = await Promise.all(Array.from({ length: 20 }, () => numberWith(MENU, true)));
    const channels = numbers.map((_, i) => channel(`many-${i}`));
    numbers.forEach(({ number }, i) => {
      fake.ring(channels[i], number);
      fake.emit({ type: 'dtmf', channelId: channels[i], digit: '1' });
    });
    for (const { release } of [...numbers].reverse()) release();
    await eventually(async () =>
      channels.every((id) => fake.hangups.includes(id)) ? true : undefined,
    );
    for (const id of channels)
      fake.emit({ type: 'hangup', channelId: id, cause: 16, causeText: '' });
    for (const { number } of numbers) {
      const entries = await timeline(await callTo(number), 'completed');
      expect(entries.filter((e) => e.step).map((e) => e.step)).to.deep.equal(['menu', 'one']);
    }
  });

  describe('an outbound call (text, say, hang up)', () => {
    let callId: string;
    let statements: string[];

    before(async () => {
      fake = createFakeMedia();
      orchestrator.attach(fake.media);
      const res = await api('POST', '/v1/calls', {
        body: {
          to: '+14155550100',
          from: (await numberWith(SAY_AND_END)).number,
          flow: TEXT_SAY_AND_END,
        },
      });
      callId = res.body.id as string;
      // No other call the reconciliation of attach() could close while statements are counted.
      await eventually(async () => {
        const live = await db('calls')
          .whereIn('status', ['initiated', 'ringing', 'in-progress'])
          .whereNotNull('channel_id')
          .first('id');
        return live ? undefined : true;
      });
      statements = [];
      const count = (query: { sql: string }) => statements.push(query.sql);
      db.on('query', count);
      try {
        await orchestrator.handler.handle({
          id: 'job-originate',
          name: ORIGINATE_JOB,
          data: { call_id: callId },
          attemptsMade: 0,
          attempts: 5,
          logger: createSilentLogger(),
          postpone: async () => {
            throw new Error('not postponed in this test');
          },
        });
        expect(fake.originated).to.deep.equal([callId]);
        fake.emit({ type: 'state', channelId: callId, state: 'ringing' });
        fake.emit({ type: 'dial', channelId: callId, peerId: callId, status: 'RINGING' });
        fake.emit({ type: 'state', channelId: callId, state: 'up' });
        fake.emit({ type: 'dial', channelId: callId, peerId: callId, status: 'ANSWER' });
        fake.enters(callId, 'trunkline-call', callId);
        const play = await eventually(async () => playsOn(callId)[0]);
        fake.emit({ type: 'playback_finished', playbackId: play.playbackId, channelId: callId });
        await eventually(async () => (fake.hangups.includes(callId) ? true : undefined));
        fake.emit({ type: 'hangup', channelId: callId, cause: 16, causeText: 'Normal Clearing' });
        await timeline(callId, 'completed');
      } finally {
        db.off('query', count);
      }
    });
    after(() => orchestrator.stop());

    it('records ringing once although the PBX reports it twice', async () => {
      const entries = await timeline(callId, 'completed');
      expect(entries.map((e) => e.type)).to.deep.equal([
        'call.queued',
        'call.initiated',
        'call.ringing',
        'call.in-progress',
        'call.step',
        'call.step',
        'call.step',
        'call.completed',
      ]);
    });

    it('writes the answer and the first step in one transaction', async () => {
      const rows = (await db('events')
        .where({ stream_id: callId })
        .orderBy('stream_version')
        .select('type', db.raw('transaction_id::text as tx'))) as { type: string; tx: string }[];
      const answered = rows.findIndex((row) => row.type === 'call.in-progress');
      expect(rows[answered + 1]).to.include({ type: 'call.step', tx: rows[answered].tx });
      expect(rows[answered + 2].tx, 'the play ends in a later transaction').to.not.equal(
        rows[answered].tx,
      );
    });

    it('reads the call once, then writes each status change or step in one statement', () => {
      // The call row is read when the call is initiated; initiated, ringing, in-progress with
      // text, hello + bye and completed are then one statement each, built from the row the
      // previous write returned (the project has no webhook URL).
      expect(statements, statements.join('\n')).to.have.length(6);
      expect(statements[0]).to.match(/^select \* from "calls"/);
      expect(statements.slice(1).every((sql) => /^with moved as/.test(sql))).to.equal(true);
    });
  });
});
