import { expect } from 'chai';
import { AppError, UpstreamError } from '../../../src/platform/index.js';
import {
  formatCommandStatus,
  mapSubmitStatus,
  SUBMIT_ERROR_TABLE,
} from '../../../src/connectors/smpp/submit-errors.js';

describe('mapSubmitStatus', () => {
  for (const [status, code] of [
    [0x58, 'smpp_throttled'],
    [0x14, 'smpp_queue_full'],
    [0x08, 'smpp_system_error'],
    [0x45, 'smpp_submit_failed'],
  ] as const) {
    it(`maps ${formatCommandStatus(status)} to a retryable ${code}`, () => {
      const error = mapSubmitStatus(status);
      expect(error).to.be.instanceOf(UpstreamError);
      expect(error).to.include({ code, status: 502, retryable: true });
      expect(error.extra).to.include({ commandStatus: status });
    });
  }

  for (const [status, code] of [
    [0x0b, 'smpp_invalid_destination'],
    [0x0a, 'smpp_invalid_source'],
    [0x01, 'smpp_invalid_message_length'],
    [0x104, 'smpp_invalid_data_coding'],
  ] as const) {
    it(`maps ${formatCommandStatus(status)} to a permanent 422 ${code}`, () => {
      expect(mapSubmitStatus(status)).to.include({ code, status: 422, retryable: false });
    });
  }

  it('treats an unlisted status as permanent with its hex in the code', () => {
    const error = mapSubmitStatus(0x0c);
    expect(error).to.be.instanceOf(AppError);
    expect(error).to.include({ code: 'smpp_error_0x0000000c', status: 422, retryable: false });
    expect(error.extra).to.include({ commandStatus: 0x0c });
  });

  it('lists each command_status once in the table', () => {
    const statuses = SUBMIT_ERROR_TABLE.map((rule) => rule.commandStatus);
    expect(new Set(statuses).size).to.equal(statuses.length);
  });
});
