import { expect } from 'chai';
import { normaliseAriEvent } from '../../../src/connectors/ari/ari-events.js';

const channel = {
  id: '1712.7',
  name: 'PJSIP/trunk-00000007',
  state: 'Ring',
  caller: { name: '', number: '+14155550111' },
  dialplan: { context: 'from-trunk', exten: '+14155550199', priority: 2 },
};

describe('normaliseAriEvent', () => {
  it('maps StasisStart to stasis_start with caller, dialled number and args', () => {
    const event = normaliseAriEvent({ type: 'StasisStart', args: ['+14155550199'], channel });
    expect(event).to.deep.equal({
      type: 'stasis_start',
      channelId: '1712.7',
      caller: '+14155550111',
      dialed: '+14155550199',
      args: ['+14155550199'],
    });
  });

  it('maps StasisEnd and lower-cases ChannelStateChange states', () => {
    expect(normaliseAriEvent({ type: 'StasisEnd', channel })).to.deep.equal({
      type: 'stasis_end',
      channelId: '1712.7',
    });
    const state = normaliseAriEvent({
      type: 'ChannelStateChange',
      channel: { ...channel, state: 'Up' },
    });
    expect(state).to.deep.equal({ type: 'state', channelId: '1712.7', state: 'up' });
  });

  it('maps ChannelHangupRequest to hangup_request', () => {
    const event = normaliseAriEvent({ type: 'ChannelHangupRequest', cause: 16, channel });
    expect(event).to.deep.equal({ type: 'hangup_request', channelId: '1712.7' });
  });

  it('maps ChannelDtmfReceived to dtmf', () => {
    const event = normaliseAriEvent({
      type: 'ChannelDtmfReceived',
      digit: '#',
      duration_ms: 100,
      channel,
    });
    expect(event).to.deep.equal({ type: 'dtmf', channelId: '1712.7', digit: '#' });
  });

  it('maps ChannelDestroyed to hangup with the Q.850 cause', () => {
    const event = normaliseAriEvent({
      type: 'ChannelDestroyed',
      cause: 17,
      cause_txt: 'User busy',
      channel,
    });
    expect(event).to.deep.equal({
      type: 'hangup',
      channelId: '1712.7',
      cause: 17,
      causeText: 'User busy',
    });
  });

  it('maps PlaybackFinished to playback_finished with the channel from target_uri', () => {
    const playback = {
      id: 'pb1',
      media_uri: 'sound:x',
      target_uri: 'channel:1712.7',
      state: 'done',
    };
    expect(normaliseAriEvent({ type: 'PlaybackFinished', playback })).to.deep.equal({
      type: 'playback_finished',
      playbackId: 'pb1',
      channelId: '1712.7',
    });
  });

  it('maps RecordingFinished (done) to recording_finished with its duration', () => {
    const recording = {
      name: 'rec1',
      format: 'wav',
      state: 'done',
      target_uri: 'channel:1712.7',
      duration: 4,
    };
    expect(normaliseAriEvent({ type: 'RecordingFinished', recording })).to.deep.equal({
      type: 'recording_finished',
      name: 'rec1',
      channelId: '1712.7',
      durationSec: 4,
    });
  });

  it('maps RecordingFailed, and a cancelled RecordingFinished, to recording_failed', () => {
    const recording = {
      name: 'rec1',
      format: 'wav',
      state: 'failed',
      target_uri: 'channel:1712.7',
    };
    const failed = { type: 'recording_failed', name: 'rec1', channelId: '1712.7' };
    expect(normaliseAriEvent({ type: 'RecordingFailed', recording })).to.deep.equal(failed);
    expect(
      normaliseAriEvent({
        type: 'RecordingFinished',
        recording: { ...recording, state: 'canceled' },
      }),
    ).to.deep.equal(failed);
  });

  it('names the bridge of a bridge recording (target bridge:<id>), with no channel', () => {
    const recording = {
      name: 'rec2',
      format: 'wav',
      state: 'done',
      target_uri: 'bridge:call_1.b7',
      duration: 9,
    };
    expect(normaliseAriEvent({ type: 'RecordingFinished', recording })).to.deep.equal({
      type: 'recording_finished',
      name: 'rec2',
      channelId: '',
      bridgeId: 'call_1.b7',
      durationSec: 9,
    });
    expect(
      normaliseAriEvent({ type: 'RecordingFailed', recording: { ...recording, state: 'failed' } }),
    ).to.deep.equal({
      type: 'recording_failed',
      name: 'rec2',
      channelId: '',
      bridgeId: 'call_1.b7',
    });
  });

  it('maps Dial with a status, naming the caller channel or else the peer', () => {
    const peer = { ...channel, id: 'leg-1' };
    expect(normaliseAriEvent({ type: 'Dial', peer, dialstatus: 'BUSY' })).to.deep.equal({
      type: 'dial',
      channelId: 'leg-1',
      peerId: 'leg-1',
      status: 'BUSY',
    });
    expect(
      normaliseAriEvent({ type: 'Dial', caller: channel, peer, dialstatus: 'ANSWER' }),
    ).to.include({
      channelId: '1712.7',
      peerId: 'leg-1',
    });
  });

  it('ignores the initial Dial without a status, other event types and malformed input', () => {
    expect(normaliseAriEvent({ type: 'Dial', peer: channel, dialstatus: '' })).to.equal(null);
    expect(normaliseAriEvent({ type: 'ChannelVarset', channel })).to.equal(null);
    expect(normaliseAriEvent({ type: 'StasisStart' })).to.equal(null);
    expect(normaliseAriEvent(null)).to.equal(null);
    expect(normaliseAriEvent('StasisStart')).to.equal(null);
    expect(normaliseAriEvent([])).to.equal(null);
  });
});
