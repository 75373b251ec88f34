import { expect } from 'chai';
import {
  CALL_STATUSES,
  callDuration,
  causeName,
  dialOutcomeForHangup,
  isFinalCallStatus,
  statusForHangup,
  statusesBefore,
  timestampsOf,
  transitionCall,
  webhookTypeOf,
  type CallStatus,
} from '../../src/voice/call-status.js';

describe('transitionCall', () => {
  const path: CallStatus[] = ['queued', 'initiated', 'ringing', 'in-progress', 'completed'];

  it('moves forward along queued → initiated → ringing → in-progress → completed', () => {
    for (let i = 1; i < path.length; i += 1) {
      expect(transitionCall(path[i - 1], path[i])).to.deep.equal({
        status: path[i],
        changed: true,
      });
    }
  });

  it('never moves backwards', () => {
    for (let i = 0; i < path.length; i += 1) {
      for (let j = 0; j <= i; j += 1) {
        expect(transitionCall(path[i], path[j]).changed, `${path[i]} → ${path[j]}`).to.equal(false);
      }
    }
  });

  it('never changes a final status', () => {
    for (const final of CALL_STATUSES.filter(isFinalCallStatus)) {
      for (const next of CALL_STATUSES) {
        expect(transitionCall(final, next)).to.deep.equal({ status: final, changed: false });
      }
    }
  });

  it('refuses busy, no-answer and canceled once the call was answered', () => {
    for (const next of ['busy', 'no-answer', 'canceled'] as CallStatus[]) {
      expect(transitionCall('in-progress', next).changed).to.equal(false);
      expect(transitionCall('ringing', next).changed).to.equal(true);
    }
  });

  it('lets a queued call end failed or canceled directly', () => {
    expect(transitionCall('queued', 'failed').changed).to.equal(true);
    expect(transitionCall('queued', 'canceled').changed).to.equal(true);
  });
});

describe('statusForHangup (Q.850)', () => {
  const unanswered = (cause: number) => statusForHangup({ answered: false, cause });

  it('maps any cause of an answered call to completed', () => {
    for (const cause of [0, 16, 17, 21, 34]) {
      expect(statusForHangup({ answered: true, cause })).to.equal('completed');
    }
  });

  it('maps 17 to busy', () => expect(unanswered(17)).to.equal('busy'));
  it('maps 18 and 19 to no-answer', () => {
    expect(unanswered(18)).to.equal('no-answer');
    expect(unanswered(19)).to.equal('no-answer');
  });
  it('maps 16 before the answer to no-answer', () => expect(unanswered(16)).to.equal('no-answer'));
  it('maps 21 (rejected), 34 (congestion), 1 and 0 to failed', () => {
    for (const cause of [21, 34, 1, 0, 38]) expect(unanswered(cause)).to.equal('failed');
  });
  it('maps a hang-up we asked for before the answer to canceled', () => {
    expect(statusForHangup({ answered: false, cause: 16, canceledByUs: true })).to.equal(
      'canceled',
    );
  });
});

describe('dialOutcomeForHangup', () => {
  it('reports completed, busy, no-answer and failed', () => {
    expect(dialOutcomeForHangup({ answered: true, cause: 16 })).to.equal('completed');
    expect(dialOutcomeForHangup({ answered: false, cause: 17 })).to.equal('busy');
    expect(dialOutcomeForHangup({ answered: false, cause: 19 })).to.equal('no-answer');
    expect(dialOutcomeForHangup({ answered: false, cause: 34 })).to.equal('failed');
  });
});

describe('causeName', () => {
  it('names the common causes and falls back to cause_<n>', () => {
    expect(causeName(16)).to.equal('normal_clearing');
    expect(causeName(17)).to.equal('user_busy');
    expect(causeName(21)).to.equal('call_rejected');
    expect(causeName(99)).to.equal('cause_99');
    expect(causeName(0)).to.equal('unknown');
  });
});

describe('webhookTypeOf', () => {
  it('announces in-progress as call.answered and does not announce queued', () => {
    expect(webhookTypeOf('in-progress')).to.equal('call.answered');
    expect(webhookTypeOf('no-answer')).to.equal('call.no-answer');
    expect(webhookTypeOf('queued')).to.equal(null);
  });
});

describe('callDuration', () => {
  it('counts whole seconds from answer to end, 0 when never answered', () => {
    const answered = new Date('2026-01-01T00:00:00.000Z');
    expect(callDuration(answered, new Date('2026-01-01T00:00:09.999Z'))).to.equal(9);
    expect(callDuration(null, answered)).to.equal(0);
  });
});

describe('statusesBefore', () => {
  it('lists exactly the statuses transitionCall lets move to the status', () => {
    for (const next of CALL_STATUSES) {
      const expected = CALL_STATUSES.filter((current) => transitionCall(current, next).changed);
      expect(statusesBefore(next), next).to.deep.equal(expected);
    }
  });

  it('keeps busy, no-answer and canceled to calls not yet answered', () => {
    expect(statusesBefore('busy')).to.deep.equal(['queued', 'initiated', 'ringing']);
    expect(statusesBefore('completed')).to.include('in-progress');
    expect(statusesBefore('queued')).to.deep.equal([]);
  });
});

describe('timestampsOf', () => {
  it('starts the call at initiated or ringing, answers at in-progress, ends at a final status', () => {
    expect(timestampsOf('initiated')).to.deep.equal({ start: true, answer: false, end: false });
    expect(timestampsOf('ringing')).to.deep.equal({ start: true, answer: false, end: false });
    expect(timestampsOf('in-progress')).to.deep.equal({ start: false, answer: true, end: false });
    for (const final of CALL_STATUSES.filter(isFinalCallStatus)) {
      expect(timestampsOf(final), final).to.deep.equal({ start: false, answer: false, end: true });
    }
    expect(timestampsOf('queued')).to.deep.equal({ start: false, answer: false, end: false });
  });
});
