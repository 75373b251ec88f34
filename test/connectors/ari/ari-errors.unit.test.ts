import { expect } from 'chai';
import {
  ChannelGoneError,
  mapAriStatus,
  mapAriTransportError,
} from '../../../src/connectors/ari/ari-errors.js';
import { AppError } from '../../../src/platform/index.js';

describe('mapAriStatus', () => {
  it('maps 404 to ChannelGoneError (404 channel_gone)', () => {
    const error = mapAriStatus('answer', 404, 'Channel not found');
    expect(error)
      .to.be.instanceOf(ChannelGoneError)
      .and.include({ status: 404, code: 'channel_gone' });
  });

  for (const status of [409, 412, 422]) {
    it(`maps ${status} to 409 channel_state`, () => {
      expect(mapAriStatus('play', status, 'whatever')).to.include({
        status: 409,
        code: 'channel_state',
      });
    });
  }

  it('maps 5xx to retryable 502 ari_unavailable', () => {
    expect(mapAriStatus('record', 500, 'oops')).to.include({
      status: 502,
      code: 'ari_unavailable',
      retryable: true,
    });
  });

  it('maps 401 to ari_unauthorized and other 4xx to non-retryable ari_rejected', () => {
    expect(mapAriStatus('answer', 401, 'Authentication required')).to.include({
      code: 'ari_unauthorized',
    });
    expect(mapAriStatus('answer', 400, 'bad')).to.include({
      code: 'ari_rejected',
      retryable: false,
    });
  });

  it('treats 404 as done for hangup, stopPlayback and destroyBridge, and 409 for originate', () => {
    expect(mapAriStatus('hangup', 404, 'Channel not found')).to.equal(null);
    expect(mapAriStatus('stopPlayback', 404, 'Playback not found')).to.equal(null);
    expect(mapAriStatus('destroyBridge', 404, 'Bridge not found')).to.equal(null);
    expect(mapAriStatus('originate', 409, 'Channel with given unique ID already exists')).to.equal(
      null,
    );
  });

  it('reads statuses the way each operation documents them', () => {
    expect(mapAriStatus('addToBridge', 400, 'Channel not found')).to.be.instanceOf(
      ChannelGoneError,
    );
    expect(mapAriStatus('addToBridge', 404, 'Bridge not found')).to.include({
      code: 'bridge_gone',
    });
    expect(mapAriStatus('fetchRecording', 404, 'Recording not found')).to.include({
      code: 'recording_not_found',
    });
  });

  it('reads a bridge recording on a gone bridge as bridge_gone, a name in use as channel_state', () => {
    expect(mapAriStatus('recordBridge', 404, 'Bridge not found')).to.include({
      status: 404,
      code: 'bridge_gone',
    });
    expect(mapAriStatus('recordBridge', 409, 'Recording name in use')).to.include({
      code: 'channel_state',
    });
  });

  it('treats a snoop whose id already exists as our earlier attempt (done), 404 as channel_gone', () => {
    expect(mapAriStatus('snoop', 409, 'Channel with given unique ID already exists')).to.equal(
      null,
    );
    expect(mapAriStatus('snoop', 404, 'Channel not found')).to.be.instanceOf(ChannelGoneError);
  });

  it('never reads the message text', () => {
    expect(mapAriStatus('answer', 409, 'Channel not found')).to.include({ code: 'channel_state' });
  });
});

describe('mapAriTransportError', () => {
  it('maps a refused connection to retryable ari_unavailable and keeps AppErrors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(mapAriTransportError('originate', refused)).to.include({
      code: 'ari_unavailable',
      retryable: true,
    });
    const own = new AppError(400, 'x', 'y');
    expect(mapAriTransportError('originate', own)).to.equal(own);
  });
});
