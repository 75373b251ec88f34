import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createPbxSimulator,
  type PbxSimulator,
} from '../../../../src/connectors/sandbox/pbx/index.js';
import { createSilentLogger } from '../../../../src/platform/index.js';
import { hasId, openEvents, type EventSocket } from './event-socket.js';

const USER = 'asterisk';
const PASSWORD = 'secret';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

describe('sandbox PBX: snoop channels and bridge recordings', () => {
  let pbx: PbxSimulator;
  let port: number;
  let events: EventSocket;
  let sequence = 0;
  const nextId = (prefix: string) => `${prefix}-${(sequence += 1)}`;

  const call = (method: string, path: string) =>
    fetch(`http://127.0.0.1:${port}/ari${path}`, { method, headers: { authorization: AUTH } });

  before(async () => {
    pbx = createPbxSimulator({
      logger: createSilentLogger(),
      username: USER,
      password: PASSWORD,
      timing: { ringMs: 5, answerMs: 5, soundMs: 30, secondMs: 20, dtmfMs: 1 },
    });
    ({ port } = await pbx.start());
  });
  after(() => pbx.stop());
  beforeEach(async () => {
    events = await openEvents(port, AUTH);
  });
  afterEach(() => events.close());

  async function answeredInbound(): Promise<string> {
    const { channelId } = await pbx.placeInboundCall({ from: '+14155550111', to: '+14155550199' });
    await call('POST', `/channels/${channelId}/answer`);
    return channelId;
  }

  async function wavOf(name: string): Promise<Buffer> {
    const file = await call('GET', `/recordings/stored/${name}/file`);
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-type')).to.equal('audio/wav');
    const audio = Buffer.from(await file.arrayBuffer());
    expect(audio.toString('ascii', 0, 4)).to.equal('RIFF');
    expect(audio.toString('ascii', 8, 12)).to.equal('WAVE');
    return audio;
  }

  /** Event types about a channel, its recordings included, in order. */
  const typesFor = (id: string) =>
    events.messages
      .filter(
        (m) =>
          hasId(m.channel, id) ||
          (m.recording as { target_uri?: string } | undefined)?.target_uri === `channel:${id}`,
      )
      .map((m) => m.type);

  describe('POST /channels/{id}/snoop', () => {
    it('makes an Up channel that enters the app with its args, after the request returns', async () => {
      const channelId = await answeredInbound();
      const snoopId = nextId('snoop');
      const response = await call(
        'POST',
        `/channels/${channelId}/snoop?spy=both&whisper=none&app=trunkline&snoopId=${snoopId}&appArgs=trunkline-snoop,call_1`,
      );
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.include({ id: snoopId, state: 'Up' });
      const start = await events.waitFor('StasisStart', (m) => hasId(m.channel, snoopId));
      expect(start.args).to.deep.equal(['trunkline-snoop', 'call_1']);
      expect(start.channel)
        .to.have.property('name')
        .that.matches(/^Snoop\//);
      expect(pbx.channels().find((c) => c.id === snoopId)).to.include({ spying: channelId });
      await call('DELETE', `/channels/${channelId}`);
    });

    it('takes the id from the path, and refuses a taken id with 409', async () => {
      const channelId = await answeredInbound();
      const snoopId = nextId('snoop');
      const path = `/channels/${channelId}/snoop/${snoopId}?spy=in&app=trunkline`;
      expect((await call('POST', path)).status).to.equal(200);
      expect((await call('POST', path)).status).to.equal(409);
      await call('DELETE', `/channels/${channelId}`);
    });

    it('answers 404 for an unknown channel and 400 without a direction or an app', async () => {
      const channelId = await answeredInbound();
      expect((await call('POST', '/channels/nope/snoop?spy=both&app=trunkline')).status).to.equal(
        404,
      );
      expect((await call('POST', `/channels/${channelId}/snoop?app=trunkline`)).status).to.equal(
        400,
      );
      expect((await call('POST', `/channels/${channelId}/snoop?spy=up&app=x`)).status).to.equal(
        400,
      );
      expect((await call('POST', `/channels/${channelId}/snoop?spy=both`)).status).to.equal(400);
      await call('DELETE', `/channels/${channelId}`);
    });

    it('hangs up after the spied channel, finishing its recording and keeping a WAV', async () => {
      const channelId = await answeredInbound();
      const snoopId = nextId('snoop');
      const name = nextId('rec');
      await call('POST', `/channels/${channelId}/snoop?spy=both&app=trunkline&snoopId=${snoopId}`);
      await events.waitFor('StasisStart', (m) => hasId(m.channel, snoopId));
      const started = await call(
        'POST',
        `/channels/${snoopId}/record?name=${name}&format=wav&ifExists=fail`,
      );
      expect(started.status).to.equal(201);
      await events.waitFor('RecordingStarted', (m) => hasId(m.recording, name));
      await sleep(60);
      await pbx.hangupFarEnd(channelId);
      const finished = await events.waitFor('RecordingFinished', (m) => hasId(m.recording, name));
      expect(finished.recording).to.include({ state: 'done', target_uri: `channel:${snoopId}` });
      await events.waitFor('ChannelDestroyed', (m) => hasId(m.channel, snoopId));
      const order = events.messages
        .filter((m) => m.type === 'ChannelDestroyed')
        .map((m) => (m.channel as { id: string }).id);
      expect(order.slice(-2)).to.deep.equal([channelId, snoopId]);
      expect(typesFor(snoopId).slice(-3)).to.deep.equal([
        'RecordingFinished',
        'StasisEnd',
        'ChannelDestroyed',
      ]);
      expect((await wavOf(name)).length).to.be.above(44);
      expect(pbx.channels()).to.deep.equal([]);
    });
  });

  describe('POST /bridges/{id}/record', () => {
    async function bridged(): Promise<{ bridgeId: string; channels: string[] }> {
      const channels = [await answeredInbound(), await answeredInbound()];
      const bridgeId = nextId('bridge');
      await call('POST', `/bridges/${bridgeId}?type=mixing`);
      await call('POST', `/bridges/${bridgeId}/addChannel?channel=${channels.join(',')}`);
      return { bridgeId, channels };
    }

    it('records the bridge (target bridge:<id>) until it is destroyed, keeping a WAV', async () => {
      const { bridgeId, channels } = await bridged();
      const name = nextId('rec');
      const response = await call(
        'POST',
        `/bridges/${bridgeId}/record?name=${name}&format=wav&ifExists=fail`,
      );
      expect(response.status).to.equal(201);
      expect(await response.json()).to.include({ name, target_uri: `bridge:${bridgeId}` });
      const started = await events.waitFor('RecordingStarted', (m) => hasId(m.recording, name));
      expect(started.recording).to.include({ state: 'recording' });
      await sleep(60);
      expect((await call('DELETE', `/bridges/${bridgeId}`)).status).to.equal(204);
      const finished = await events.waitFor('RecordingFinished', (m) => hasId(m.recording, name));
      expect(finished.recording).to.include({ state: 'done', target_uri: `bridge:${bridgeId}` });
      expect((await wavOf(name)).length).to.be.above(44);
      expect(pbx.channels().map((c) => c.id)).to.include.members(channels);
      for (const channelId of channels) await call('DELETE', `/channels/${channelId}`);
    });

    it('finishes when the last channel in the bridge hangs up', async () => {
      const { bridgeId, channels } = await bridged();
      const name = nextId('rec');
      await call('POST', `/bridges/${bridgeId}/record?name=${name}&format=wav`);
      await events.waitFor('RecordingStarted', (m) => hasId(m.recording, name));
      await pbx.hangupFarEnd(channels[0]);
      await sleep(20);
      expect(events.messages.some((m) => m.type === 'RecordingFinished')).to.equal(false);
      await pbx.hangupFarEnd(channels[1]);
      const finished = await events.waitFor('RecordingFinished', (m) => hasId(m.recording, name));
      expect(finished.recording).to.include({ state: 'done' });
      await wavOf(name);
      await call('DELETE', `/bridges/${bridgeId}`);
    });

    it('answers 404 for an unknown bridge, 409 for a name in use, 422 for a format', async () => {
      const { bridgeId, channels } = await bridged();
      const name = nextId('rec');
      expect((await call('POST', `/bridges/nope/record?name=${name}&format=wav`)).status).to.equal(
        404,
      );
      const path = `/bridges/${bridgeId}/record?name=${name}&format=wav&ifExists=fail`;
      expect((await call('POST', path)).status).to.equal(201);
      expect((await call('POST', path)).status).to.equal(409);
      expect((await call('POST', `/bridges/${bridgeId}/record?name=x&format=mp9`)).status).to.equal(
        422,
      );
      expect((await call('POST', `/bridges/${bridgeId}/record?format=wav`)).status).to.equal(400);
      await call('DELETE', `/bridges/${bridgeId}`);
      for (const channelId of channels) await call('DELETE', `/channels/${channelId}`);
    });
  });
});
