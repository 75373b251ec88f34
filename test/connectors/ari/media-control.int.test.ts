import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAriMediaControl } from '../../../src/connectors/ari/create-ari-media-control.js';
import type { MediaControl } from '../../../src/connectors/ari/media-control.js';
import {
  createPbxSimulator,
  type PbxSimulator,
} from '../../../src/connectors/sandbox/pbx/index.js';
import { AppError, createSilentLogger } from '../../../src/platform/index.js';
import { recordEvents, type EventRecorder } from './event-recorder.js';

const TIMING = { ringMs: 10, answerMs: 10, soundMs: 20, playMsPerChar: 2, secondMs: 20, dtmfMs: 1 };

describe('createAriMediaControl against the sandbox PBX', () => {
  let pbx: PbxSimulator;
  let media: MediaControl;
  let recorder: EventRecorder;
  let sequence = 0;
  const nextId = (prefix: string) => `${prefix}-${(sequence += 1)}`;

  before(async () => {
    pbx = createPbxSimulator({
      logger: createSilentLogger(),
      username: 'trunkline',
      password: 's3cret:pw',
      timing: TIMING,
    });
    const { url } = await pbx.start();
    media = createAriMediaControl({ url, app: 'trunkline' }, { logger: createSilentLogger() });
    recorder = recordEvents(media);
    await recorder.waitFor('connection', (event) => event.up);
  });

  after(async () => {
    recorder.stop();
    await media.close();
    await pbx.stop();
  });

  async function answeredOutbound(to = '+14155550100', appArgs = ['dial']) {
    const channelId = nextId('out');
    await media.originate({ channelId, endpoint: `PJSIP/${to}@trunk`, timeoutSec: 5, appArgs });
    await recorder.waitFor('stasis_start', (event) => event.channelId === channelId);
    return channelId;
  }

  async function answeredInbound(to = '+14155550199') {
    const { channelId } = await pbx.placeInboundCall({ from: '+14155550111', to });
    await media.answer(channelId);
    return channelId;
  }

  it('is ready once the event WebSocket is open', () => {
    expect(media.ready).to.equal(true);
  });

  describe('originate', () => {
    it('reports ringing, then up, then stasis_start with our appArgs', async () => {
      const channelId = await answeredOutbound('+14155550100', ['call_1', 'leg']);
      const seen = recorder.forChannel(channelId).filter((event) => event.type !== 'dial');
      expect(
        seen.map((event) => (event.type === 'state' ? event.state : event.type)),
      ).to.deep.equal(['ringing', 'up', 'stasis_start']);
      expect(seen[2]).to.deep.include({ args: ['call_1', 'leg'] });
      const dials = recorder.forChannel(channelId).filter((event) => event.type === 'dial');
      expect(dials.map((event) => event.type === 'dial' && event.status)).to.deep.equal([
        'RINGING',
        'ANSWER',
      ]);
      await media.hangup(channelId);
    });

    it('does not dial twice when an accepted originate is retried with the same channelId', async () => {
      const channelId = nextId('out');
      const input = { channelId, endpoint: 'PJSIP/+14155550100@trunk', timeoutSec: 5 };
      await media.originate(input);
      await media.originate(input);
      expect(pbx.channels().filter((channel) => channel.id === channelId)).to.have.length(1);
      await media.hangup(channelId);
    });

    const outcomes = [
      { to: '+15005550005', status: 'BUSY', cause: 17, text: 'User busy' },
      { to: '+15005550006', status: 'NOANSWER', cause: 19, text: 'User alerting, no answer' },
      { to: '+15005550007', status: 'CONGESTION', cause: 34, text: 'Circuit/channel congestion' },
    ];
    for (const outcome of outcomes) {
      it(`ends a call to ${outcome.to} with dial ${outcome.status} and cause ${outcome.cause}`, async () => {
        const channelId = nextId('magic');
        await media.originate({ channelId, endpoint: `PJSIP/${outcome.to}@trunk`, timeoutSec: 1 });
        const hangup = await recorder.waitFor('hangup', (event) => event.channelId === channelId);
        expect(hangup).to.include({ cause: outcome.cause, causeText: outcome.text });
        const dial = await recorder.waitFor('dial', (event) => event.channelId === channelId);
        expect(recorder.forChannel(channelId).map((event) => event.type)).not.to.include(
          'stasis_start',
        );
        expect(
          recorder
            .forChannel(channelId)
            .some((e) => e.type === 'dial' && e.status === outcome.status),
        ).to.equal(true, JSON.stringify(dial));
      });
    }
  });

  describe('inbound calls', () => {
    it('arrive as stasis_start with the DID as first argument, and answer to up', async () => {
      const { channelId } = await pbx.placeInboundCall({
        from: '+14155550111',
        to: '+14155550199',
      });
      const start = await recorder.waitFor(
        'stasis_start',
        (event) => event.channelId === channelId,
      );
      expect(start).to.deep.include({
        caller: '+14155550111',
        dialed: '+14155550199',
        args: ['+14155550199'],
      });
      await media.answer(channelId);
      await recorder.waitFor(
        'state',
        (event) => event.channelId === channelId && event.state === 'up',
      );
      await media.hangup(channelId);
    });
  });

  describe('play', () => {
    it('reports playback_finished for a sound and for an https URL', async () => {
      const channelId = await answeredInbound();
      await media.play(channelId, 'pb-sound', 'sound:hello-world');
      await media.play(channelId, 'pb-url', 'https://tts.example/say?text=Hello');
      const first = await recorder.waitFor('playback_finished', (e) => e.playbackId === 'pb-sound');
      expect(first.channelId).to.equal(channelId);
      await recorder.waitFor('playback_finished', (event) => event.playbackId === 'pb-url');
      await media.hangup(channelId);
    });

    it('stops a long playback at once, and stopping it again resolves', async () => {
      const channelId = await answeredInbound();
      const long = `https://tts.example/say?text=${'a'.repeat(2000)}`;
      await media.play(channelId, 'pb-long', long);
      await sleep(20);
      const stoppedAt = Date.now();
      await media.stopPlayback('pb-long');
      await recorder.waitFor('playback_finished', (event) => event.playbackId === 'pb-long');
      expect(Date.now() - stoppedAt).to.be.below(1000);
      await media.stopPlayback('pb-long');
      await media.hangup(channelId);
    });
  });

  describe('dtmf', () => {
    it('delivers each key the far end presses', async () => {
      const channelId = await answeredInbound();
      await pbx.sendDtmf(channelId, '12#');
      await recorder.waitFor(
        'dtmf',
        (event) => event.channelId === channelId && event.digit === '#',
      );
      const digits = recorder
        .forChannel(channelId)
        .flatMap((event) => (event.type === 'dtmf' ? [event.digit] : []));
      expect(digits).to.deep.equal(['1', '2', '#']);
      await media.hangup(channelId);
    });
  });

  describe('record', () => {
    it('finishes on # and the stored file is a WAV', async () => {
      const channelId = await answeredInbound();
      const name = nextId('rec');
      await media.record(channelId, { name, maxDurationSec: 60, beep: true, terminateOn: '#' });
      await sleep(60);
      await pbx.sendDtmf(channelId, '#');
      const finished = await recorder.waitFor('recording_finished', (event) => event.name === name);
      expect(finished.channelId).to.equal(channelId);
      expect(finished.durationSec).to.be.at.least(1);
      const wav = await media.fetchRecording(name);
      expect(wav.subarray(0, 4).toString('ascii')).to.equal('RIFF');
      expect(wav.subarray(8, 12).toString('ascii')).to.equal('WAVE');
      await media.hangup(channelId);
    });

    it('finishes at maxDurationSec', async () => {
      const channelId = await answeredInbound();
      const name = nextId('rec');
      await media.record(channelId, { name, maxDurationSec: 2, beep: false, terminateOn: 'none' });
      const finished = await recorder.waitFor('recording_finished', (event) => event.name === name);
      expect(finished.durationSec).to.equal(2);
      await media.hangup(channelId);
    });

    it('keeps the recording when the caller hangs up', async () => {
      const channelId = await answeredInbound();
      const name = nextId('rec');
      await media.record(channelId, { name, maxDurationSec: 0, beep: false, terminateOn: '#' });
      await sleep(30);
      await pbx.hangupFarEnd(channelId);
      await recorder.waitFor('recording_finished', (event) => event.name === name);
      await recorder.waitFor('hangup', (event) => event.channelId === channelId);
      expect((await media.fetchRecording(name)).length).to.be.above(44);
    });

    it('rejects fetching an unknown recording with 404 recording_not_found', async () => {
      const error = await media.fetchRecording('no-such-recording').catch((err: unknown) => err);
      expect(error)
        .to.be.instanceOf(AppError)
        .and.include({ status: 404, code: 'recording_not_found' });
    });
  });

  describe('hangup', () => {
    it('by the far end reports stasis_end then hangup with cause 16', async () => {
      const channelId = await answeredInbound();
      await pbx.hangupFarEnd(channelId);
      const hangup = await recorder.waitFor('hangup', (event) => event.channelId === channelId);
      expect(hangup).to.include({ cause: 16, causeText: 'Normal Clearing' });
      const types = recorder.forChannel(channelId).map((event) => event.type);
      expect(types.indexOf('stasis_end')).to.be.below(types.indexOf('hangup'));
    });

    it('of a channel that is already gone resolves quietly', async () => {
      const channelId = await answeredInbound();
      await media.hangup(channelId);
      await recorder.waitFor('hangup', (event) => event.channelId === channelId);
      await media.hangup(channelId);
      await media.hangup('never-existed');
    });

    it('leaves other commands on a gone channel failing with channel_gone', async () => {
      const error = await media.answer('never-existed').catch((err: unknown) => err);
      expect(error).to.be.instanceOf(AppError).and.include({ status: 404, code: 'channel_gone' });
    });

    it('answers 409 channel_state for a channel that is not in the app yet', async () => {
      const channelId = nextId('out');
      await media.originate({ channelId, endpoint: 'PJSIP/+15005550006@trunk', timeoutSec: 5 });
      const error = await media.play(channelId, nextId('pb'), 'sound:x').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(AppError).and.include({ status: 409, code: 'channel_state' });
      await media.hangup(channelId);
      const dial = await recorder.waitFor(
        'dial',
        (e) => e.channelId === channelId && e.status === 'CANCEL',
      );
      expect(dial.peerId).to.equal(channelId);
    });
  });

  describe('bridges', () => {
    it('connect a caller and a dialled leg, and destroy idempotently', async () => {
      const caller = await answeredInbound();
      const leg = await answeredOutbound('+14155550123', ['dial', caller]);
      const bridgeId = nextId('bridge');
      await media.createBridge(bridgeId);
      await media.addToBridge(bridgeId, [caller, leg]);
      const bridged = pbx.channels().filter((channel) => channel.bridgeId === bridgeId);
      expect(bridged.map((channel) => channel.id).sort()).to.deep.equal([caller, leg].sort());
      const listed = (await media.listChannels()).map((channel) => channel.id);
      expect(listed).to.include.members([caller, leg]);
      await media.destroyBridge(bridgeId);
      await media.destroyBridge(bridgeId);
      expect(pbx.channels().some((channel) => channel.bridgeId === bridgeId)).to.equal(false);
      await media.hangup(caller);
      await media.hangup(leg);
    });

    it('reject adding a gone channel with channel_gone', async () => {
      const bridgeId = nextId('bridge');
      await media.createBridge(bridgeId);
      const error = await media.addToBridge(bridgeId, ['gone']).catch((err: unknown) => err);
      expect(error).to.be.instanceOf(AppError).and.include({ code: 'channel_gone' });
      await media.destroyBridge(bridgeId);
    });
  });

  describe('snoop', () => {
    it('puts a snoop channel in the app with our id and args, recorded until the caller hangs up', async () => {
      const channelId = await answeredInbound();
      const snoopId = nextId('snoop');
      await media.snoop(channelId, { snoopId, spy: 'both', appArgs: ['trunkline-snoop', 'c1'] });
      await media.snoop(channelId, { snoopId, spy: 'both', appArgs: ['trunkline-snoop', 'c1'] });
      const start = await recorder.waitFor('stasis_start', (e) => e.channelId === snoopId);
      expect(start.args).to.deep.equal(['trunkline-snoop', 'c1']);
      const name = nextId('rec');
      await media.record(snoopId, {
        name,
        maxDurationSec: 0,
        beep: false,
        terminateOn: 'none',
        ifExists: 'fail',
      });
      await sleep(40);
      await pbx.hangupFarEnd(channelId);
      const finished = await recorder.waitFor('recording_finished', (e) => e.name === name);
      expect(finished).to.include({ channelId: snoopId });
      expect(finished.bridgeId).to.equal(undefined);
      await recorder.waitFor('hangup', (event) => event.channelId === snoopId);
      expect((await media.fetchRecording(name)).subarray(0, 4).toString('ascii')).to.equal('RIFF');
    });

    it('rejects a snoop on a gone channel with channel_gone', async () => {
      const error = await media
        .snoop('never-existed', { snoopId: nextId('snoop'), spy: 'both' })
        .catch((err: unknown) => err);
      expect(error).to.be.instanceOf(AppError).and.include({ status: 404, code: 'channel_gone' });
    });
  });

  describe('recordBridge', () => {
    it('records a bridge until it is destroyed; the event names the bridge', async () => {
      const caller = await answeredInbound();
      const leg = await answeredOutbound('+14155550123', ['dial', caller]);
      const bridgeId = nextId('bridge');
      await media.createBridge(bridgeId);
      await media.addToBridge(bridgeId, [caller, leg]);
      const name = nextId('rec');
      await media.recordBridge(bridgeId, { name });
      const taken = await media.recordBridge(bridgeId, { name }).catch((err: unknown) => err);
      expect(taken).to.be.instanceOf(AppError).and.include({ code: 'channel_state' });
      await sleep(40);
      await media.destroyBridge(bridgeId);
      const finished = await recorder.waitFor('recording_finished', (e) => e.name === name);
      expect(finished).to.include({ bridgeId, channelId: '' });
      expect((await media.fetchRecording(name)).subarray(8, 12).toString('ascii')).to.equal('WAVE');
      await media.hangup(caller);
      await media.hangup(leg);
    });

    it('rejects recording a gone bridge with bridge_gone', async () => {
      const error = await media
        .recordBridge(nextId('bridge'), { name: nextId('rec') })
        .catch((err: unknown) => err);
      expect(error).to.be.instanceOf(AppError).and.include({ status: 404, code: 'bridge_gone' });
    });
  });

  describe('event handlers', () => {
    it('are isolated: a throwing or rejecting handler does not stop the others', async () => {
      const offThrow = media.onEvent(() => {
        throw new Error('boom');
      });
      const offReject = media.onEvent(async () => {
        throw new Error('async boom');
      });
      const channelId = await answeredInbound();
      await media.hangup(channelId);
      await recorder.waitFor('hangup', (event) => event.channelId === channelId);
      offThrow();
      offReject();
    });

    it('leak nothing over many calls', async () => {
      const processListeners = () =>
        process.eventNames().reduce((sum, name) => sum + process.listenerCount(name), 0);
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      const before = processListeners();
      for (let i = 0; i < 30; i += 1) {
        let calls = 0;
        const off = media.onEvent(() => (calls += 1));
        const channelId = await answeredOutbound();
        await media.hangup(channelId);
        await recorder.waitFor('hangup', (event) => event.channelId === channelId);
        off();
        const afterOff = calls;
        await pbx
          .placeInboundCall({ from: '+1', to: '+2' })
          .then(({ channelId: id }) => media.hangup(id));
        expect(calls).to.equal(afterOff);
      }
      expect(processListeners()).to.equal(before);
      process.off('warning', onWarning);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).to.deep.equal([]);
      expect(pbx.channels()).to.deep.equal([]);
    });
  });
});
