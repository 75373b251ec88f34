import { expect } from 'chai';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { ARI_EVENT_TYPES } from '../../../src/connectors/sandbox/pbx/ari-models.js';
import {
  createPbxSimulator,
  type PbxSimulator,
} from '../../../src/connectors/sandbox/pbx/index.js';
import { AppError, createSilentLogger } from '../../../src/platform/index.js';
import { hasId, openEvents as openEventSocket, type AriMessage } from './pbx/event-socket.js';

/** The slice of ari-client (untyped CommonJS) these tests drive. */
interface AriClient {
  start(app: string): Promise<void>;
  stop(): void;
  on(type: string, listener: (event: AriMessage, resource: { id: string }) => void): void;
  channels: Record<string, (options?: object) => Promise<{ id: string; state?: string }>>;
  bridges: Record<string, (options?: object) => Promise<Record<string, unknown>>>;
  playbacks: Record<string, unknown>;
  recordings: Record<string, unknown>;
}
const ari = createRequire(import.meta.url)('ari-client') as {
  connect(url: string, user: string, password: string): Promise<AriClient>;
};

const USER = 'asterisk';
const PASSWORD = 'p@ss word';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

/** A raw ARI event socket that records what it receives. */
const openEvents = (port: number, app = 'trunkline') => openEventSocket(port, AUTH, app);

describe('sandbox PBX', () => {
  let pbx: PbxSimulator;
  let port: number;
  let base: string;

  const call = (
    method: string,
    path: string,
    headers: Record<string, string> = { authorization: AUTH },
  ) => fetch(`${base}/ari${path}`, { method, headers });

  before(async () => {
    pbx = createPbxSimulator({
      logger: createSilentLogger(),
      username: USER,
      password: PASSWORD,
      timing: { ringMs: 5, answerMs: 5, soundMs: 30, secondMs: 20, dtmfMs: 1 },
    });
    ({ port } = await pbx.start());
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await pbx.stop();
  });

  describe('with ari-client, unchanged', () => {
    let client: AriClient;

    before(async () => {
      client = await ari.connect(base, USER, PASSWORD);
      await client.start('trunkline');
    });

    after(() => client.stop());

    it('builds its resource methods from the Swagger declarations', () => {
      for (const name of ['originate', 'answer', 'play', 'record', 'hangup', 'list', 'get']) {
        expect(client.channels[name], `channels.${name}`).to.be.a('function');
      }
      for (const name of ['create', 'addChannel', 'destroy']) {
        expect(client.bridges[name], `bridges.${name}`).to.be.a('function');
      }
      expect(client.playbacks.stop).to.be.a('function');
      expect(client.recordings.getStoredFile).to.be.a('function');
    });

    it('originates into the app and receives events with Channel resources', async () => {
      const seen: Array<[string, string]> = [];
      for (const type of ['ChannelStateChange', 'StasisStart', 'StasisEnd', 'ChannelDestroyed']) {
        client.on(type, (event, channel) => seen.push([event.type, channel.id]));
      }
      const channel = await client.channels.originate({
        endpoint: 'PJSIP/+14155550100@trunk',
        app: 'trunkline',
        appArgs: 'call_1',
        channelId: 'ari-client-1',
      });
      expect(channel).to.include({ id: 'ari-client-1', state: 'Down' });
      await sleep(50);
      await client.channels.hangup({ channelId: 'ari-client-1' });
      await sleep(20);
      expect(seen).to.deep.equal([
        ['ChannelStateChange', 'ari-client-1'],
        ['ChannelStateChange', 'ari-client-1'],
        ['StasisStart', 'ari-client-1'],
        ['StasisEnd', 'ari-client-1'],
        ['ChannelDestroyed', 'ari-client-1'],
      ]);
    });

    it('snoops on a channel and records a bridge with the methods it built', async () => {
      for (const name of ['snoopChannel', 'snoopChannelWithId']) {
        expect(client.channels[name], `channels.${name}`).to.be.a('function');
      }
      expect(client.bridges.record).to.be.a('function');
      const { channelId } = await pbx.placeInboundCall({ from: '+14155550111', to: '+1415' });
      const snoop = await client.channels.snoopChannel({
        channelId,
        app: 'trunkline',
        spy: 'both',
        snoopId: 'ari-snoop-1',
        appArgs: 'trunkline-snoop,call_1',
      });
      expect(snoop).to.include({ id: 'ari-snoop-1', state: 'Up' });
      const second = await client.channels.snoopChannelWithId({
        channelId,
        snoopId: 'ari-snoop-2',
        app: 'trunkline',
        spy: 'in',
      });
      expect(second.id).to.equal('ari-snoop-2');
      await client.bridges.create({ type: 'mixing', bridgeId: 'ari-bridge-1' });
      const recording = await client.bridges.record({
        bridgeId: 'ari-bridge-1',
        name: 'ari-bridge-rec',
        format: 'wav',
      });
      expect(recording).to.include({ name: 'ari-bridge-rec', target_uri: 'bridge:ari-bridge-1' });
      await client.bridges.destroy({ bridgeId: 'ari-bridge-1' });
      await client.channels.hangup({ channelId });
      await sleep(20);
      expect(pbx.channels().map((channel) => channel.id)).to.not.include.members([
        'ari-snoop-1',
        'ari-snoop-2',
      ]);
    });

    it('gets the ARI error body but not the status (why MediaControl talks HTTP itself)', async () => {
      const error = await client.channels.hangup({ channelId: 'nope' }).catch((err: Error) => err);
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.contain('Channel not found');
      expect((error as Error & { status?: number }).status).to.equal(undefined);
    });
  });

  describe('Swagger docs', () => {
    it('declare a model for every event the simulator can send', async () => {
      const response = await call('GET', '/api-docs/events.json');
      const declaration = (await response.json()) as { models: Record<string, unknown> };
      expect(Object.keys(declaration.models)).to.include.members(ARI_EVENT_TYPES);
    });

    it('rebuild the base path from the Host the client used', async () => {
      const listing = (await (await call('GET', '/api-docs/resources.json')).json()) as {
        basePath: string;
      };
      expect(listing.basePath).to.equal(`${base}/ari`);
    });
  });

  describe('authentication', () => {
    it('answers 401 with a Basic challenge without credentials', async () => {
      const response = await call('GET', '/channels', {});
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.contain('Basic');
    });

    it('accepts api_key=user:password as Asterisk does', async () => {
      const key = encodeURIComponent(`${USER}:${PASSWORD}`);
      expect((await call('GET', `/channels?api_key=${key}`, {})).status).to.equal(200);
      expect((await call('GET', '/channels?api_key=asterisk:wrong', {})).status).to.equal(401);
    });

    it('refuses a WebSocket upgrade with bad credentials', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ari/events?app=trunkline&api_key=x:y`);
      const error = await new Promise<Error>((resolve) => ws.once('error', resolve));
      expect(error.message).to.contain('401');
    });
  });

  describe('REST errors, as Asterisk answers them', () => {
    it('404 for an unknown channel, with a JSON message', async () => {
      const response = await call('GET', '/channels/nope');
      expect(response.status).to.equal(404);
      expect(await response.json()).to.deep.equal({ message: 'Channel not found' });
    });

    it('409 for media on a channel not in the app, 400 for a bad hangup reason', async () => {
      await call(
        'POST',
        '/channels?endpoint=PJSIP/%2B15005550006@trunk&app=trunkline&channelId=ring-1',
      );
      expect((await call('POST', '/channels/ring-1/play?media=sound:x')).status).to.equal(409);
      expect((await call('DELETE', '/channels/ring-1?reason=whatever')).status).to.equal(400);
      const again = await call(
        'POST',
        '/channels?endpoint=PJSIP/1@trunk&app=trunkline&channelId=ring-1',
      );
      expect(again.status).to.equal(409);
      expect((await call('DELETE', '/channels/ring-1')).status).to.equal(204);
    });
  });

  describe('calls and media', () => {
    let events: Awaited<ReturnType<typeof openEvents>>;

    beforeEach(async () => {
      events = await openEvents(port);
    });

    afterEach(async () => {
      await events.close();
    });

    async function inbound(): Promise<string> {
      const { channelId } = await pbx.placeInboundCall({
        from: '+14155550111',
        to: '+14155550199',
      });
      await call('POST', `/channels/${channelId}/answer`);
      return channelId;
    }

    it('sends Asterisk-shaped StasisStart events for inbound calls', async () => {
      const channelId = await inbound();
      const start = await events.waitFor('StasisStart');
      expect(start).to.include({ application: 'trunkline' }).and.to.have.property('asterisk_id');
      expect(start.timestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
      expect(start.args).to.deep.equal(['+14155550199']);
      expect(start.channel).to.deep.include({ id: channelId, state: 'Ring' });
      expect(start.channel).to.have.nested.property('caller.number', '+14155550111');
      expect(start.channel).to.have.nested.property('dialplan.exten', '+14155550199');
      await call('DELETE', `/channels/${channelId}`);
    });

    it('plays media one at a time and fails media it cannot resolve', async () => {
      const channelId = await inbound();
      await call('POST', `/channels/${channelId}/play?media=sound:one&playbackId=p1`);
      const second = await call(
        'POST',
        `/channels/${channelId}/play/p2?media=https://x.test/a.wav`,
      );
      expect(second.status).to.equal(201);
      expect(await second.json()).to.include({ id: 'p2', state: 'queued' });
      const finished = await events.waitFor('PlaybackFinished', (m) => hasId(m.playback, 'p2'));
      expect(finished.playback).to.include({ state: 'failed', target_uri: `channel:${channelId}` });
      const order = events.messages.filter((m) => m.type.startsWith('Playback'));
      expect(order.map((m) => `${m.type}:${(m.playback as { id: string }).id}`)).to.deep.equal([
        'PlaybackStarted:p1',
        'PlaybackFinished:p1',
        'PlaybackFinished:p2',
      ]);
      await call('DELETE', `/channels/${channelId}`);
    });

    it('serves a finished recording as audio/wav, or the audio planted for it', async () => {
      const channelId = await inbound();
      pbx.setRecordingAudio('planted', Buffer.from('RIFF-planted'));
      await call('POST', `/channels/${channelId}/record?name=planted&format=wav&terminateOn=%23`);
      expect(
        (await call('POST', `/channels/${channelId}/record?name=x&format=mp9`)).status,
      ).to.equal(422);
      await events.waitFor('RecordingStarted');
      await pbx.sendDtmf(channelId, '#');
      const finished = await events.waitFor('RecordingFinished');
      expect(finished.recording).to.include({ name: 'planted', state: 'done', format: 'wav' });
      const file = await call('GET', '/recordings/stored/planted/file');
      expect(file.headers.get('content-type')).to.equal('audio/wav');
      expect(Buffer.from(await file.arrayBuffer()).toString()).to.equal('RIFF-planted');
      await call('DELETE', `/channels/${channelId}`);
    });

    it('reports a far-end hang-up as ChannelHangupRequest, StasisEnd, ChannelDestroyed', async () => {
      const channelId = await inbound();
      await pbx.hangupFarEnd(channelId);
      await events.waitFor('ChannelDestroyed');
      const tail = events.messages.map((m) => m.type).slice(-3);
      expect(tail).to.deep.equal(['ChannelHangupRequest', 'StasisEnd', 'ChannelDestroyed']);
      expect(events.messages.at(-1)).to.include({ cause: 16, cause_txt: 'Normal Clearing' });
      expect(pbx.channels()).to.deep.equal([]);
    });

    it('sends ApplicationReplaced to the older socket when another subscribes', async () => {
      const newer = await openEvents(port);
      await events.waitFor('ApplicationReplaced');
      const { channelId } = await pbx.placeInboundCall({ from: '+1', to: '+2' });
      await newer.waitFor('StasisStart');
      expect(events.messages.map((m) => m.type)).not.to.include('StasisStart');
      await call('DELETE', `/channels/${channelId}`);
      await newer.close();
    });
  });

  describe('scripted far end', () => {
    it('rejects keys other than 0-9 * # A-D, and unknown channels', async () => {
      const events = await openEvents(port);
      const { channelId } = await pbx.placeInboundCall({ from: '+1', to: '+2' });
      const bad = await pbx.sendDtmf(channelId, '1x').catch((err: unknown) => err);
      expect(bad).to.be.instanceOf(AppError).and.include({ status: 400 });
      const gone = await pbx.sendDtmf('nope', '1').catch((err: unknown) => err);
      expect(gone).to.be.instanceOf(AppError).and.include({ status: 404 });
      await pbx.hangupFarEnd(channelId);
      await events.close();
    });

    it('gives up ringing at maxRingMs whatever the originate timeout', async () => {
      const quick = createPbxSimulator({
        logger: createSilentLogger(),
        username: USER,
        password: PASSWORD,
        timing: { ringMs: 5, maxRingMs: 20 },
      });
      const { port: quickPort } = await quick.start();
      const events = await openEvents(quickPort);
      const started = Date.now();
      await fetch(
        `http://127.0.0.1:${quickPort}/ari/channels?endpoint=PJSIP/%2B15005550006@trunk&app=trunkline&timeout=60`,
        { method: 'POST', headers: { authorization: AUTH } },
      );
      const destroyed = await events.waitFor('ChannelDestroyed');
      expect(destroyed).to.include({ cause: 19 });
      expect(Date.now() - started).to.be.below(1000);
      await events.close();
      await quick.stop();
    });

    it('refuses an inbound call while no app is connected, like a failing Stasis()', async () => {
      const error = await pbx.placeInboundCall({ from: '+1', to: '+2' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(AppError).and.include({ status: 503 });
    });
  });
});
