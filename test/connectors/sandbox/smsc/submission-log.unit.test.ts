import { expect } from 'chai';
import { encodeMessage } from '../../../../src/messaging/index.js';
import {
  createSubmissionLog,
  SUBMISSIONS_KEPT,
} from '../../../../src/connectors/sandbox/smsc/submission-log.js';

const route = { source: '+14155550199', destination: '+14155550100' };

describe('createSubmissionLog', () => {
  it('lists a single-part message at once', () => {
    const log = createSubmissionLog();
    const [segment] = encodeMessage('hello', 0).segments;
    expect(log.record({ ...route, ...segment, messageId: 'a' })).to.equal('hello');
    expect(log.list()).to.deep.equal([
      { ...route, text: 'hello', parts: 1, messageIds: ['a'], dataCoding: 0 },
    ]);
  });

  it('lists a concatenated message once every part is in, whatever their order', () => {
    const log = createSubmissionLog();
    const body = '😀 emoji and text '.repeat(8);
    const { segments } = encodeMessage(body, 7);
    const order = segments.map((_, index) => index).reverse();
    for (const index of order) {
      expect(log.list()).to.have.length(0);
      log.record({ ...route, ...segments[index], messageId: `id-${index}` });
    }
    expect(log.list()).to.deep.equal([
      {
        ...route,
        text: body,
        parts: segments.length,
        messageIds: segments.map((_, index) => `id-${index}`),
        dataCoding: 8,
      },
    ]);
  });

  it('reassembles parts numbered by SAR TLVs instead of a UDH', () => {
    const log = createSubmissionLog();
    const sar = (sequence: number) => ({ reference: 9, total: 2, sequence });
    const base = { ...route, dataCoding: 0, esmClass: 0 };
    log.record({ ...base, shortMessage: Buffer.from(' world'), messageId: 'b', sar: sar(2) });
    log.record({ ...base, shortMessage: Buffer.from('hello'), messageId: 'a', sar: sar(1) });
    expect(log.list()[0]).to.include({ text: 'hello world', parts: 2 });
  });

  it('keeps only the most recent messages, so a sandbox running for days does not grow', () => {
    const log = createSubmissionLog();
    const [segment] = encodeMessage('hello', 0).segments;
    for (let n = 0; n < SUBMISSIONS_KEPT + 5; n += 1) {
      log.record({ ...route, ...segment, messageId: `m${n}` });
    }
    expect(log.list()).to.have.length(SUBMISSIONS_KEPT);
    expect(log.list()[0].messageIds).to.deep.equal(['m5']);
  });
});
