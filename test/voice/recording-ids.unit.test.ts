import { expect } from 'chai';
import {
  callIdOfRecordingTarget,
  callIdOfSnoop,
  dialBridgeId,
  snoopChannelId,
} from '../../src/voice/orchestrator/recording-ids.js';

const CALL = 'call_01HZY3N8Q6W7E2R5T9V4K3M1PX';

describe('recording ids', () => {
  describe('callIdOfSnoop', () => {
    it('reads the call back from the snoop channel id it made', () => {
      expect(snoopChannelId(CALL, 17)).to.equal(`${CALL}.s17`);
      expect(callIdOfSnoop(snoopChannelId(CALL, 17))).to.equal(CALL);
    });

    it('does not take the caller, a dialled leg or a foreign channel for a snoop', () => {
      for (const id of [CALL, `${CALL}.d3`, `${CALL}.b3`, '1712345678.42', `${CALL}.s`, 'x.s1']) {
        expect(callIdOfSnoop(id), id).to.equal(null);
      }
    });
  });

  describe('callIdOfRecordingTarget', () => {
    it('names the call of a whole-call recording (a snoop channel)', () => {
      expect(callIdOfRecordingTarget({ channelId: `${CALL}.s9` })).to.equal(CALL);
    });

    it('names the call of a dial recording (its bridge)', () => {
      expect(dialBridgeId(CALL, 4)).to.equal(`${CALL}.b4`);
      expect(callIdOfRecordingTarget({ channelId: '', bridgeId: dialBridgeId(CALL, 4) })).to.equal(
        CALL,
      );
    });

    it('leaves recordings of the caller channel (the record verb) and foreign bridges alone', () => {
      expect(callIdOfRecordingTarget({ channelId: CALL })).to.equal(null);
      expect(callIdOfRecordingTarget({ channelId: '1712345678.42' })).to.equal(null);
      expect(callIdOfRecordingTarget({ channelId: '', bridgeId: 'conference-1' })).to.equal(null);
      expect(callIdOfRecordingTarget({ channelId: '', bridgeId: `${CALL}.s2` })).to.equal(null);
      expect(callIdOfRecordingTarget({ channelId: '' })).to.equal(null);
    });
  });
});
