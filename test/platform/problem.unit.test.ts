import { expect } from 'chai';
import { ConflictError, createSilentLogger, type Logger } from '../../src/platform/index.js';
import { problemAnswer } from '../../src/platform/http/problem.js';

/** A logger that keeps the messages of its error lines. */
function recordingLogger(): { log: Logger; errors: string[] } {
  const errors: string[] = [];
  const log = createSilentLogger();
  log.error = ((_obj: unknown, msg: string) => {
    errors.push(msg);
  }) as unknown as Logger['error'];
  return { log, errors };
}

describe('problemAnswer', () => {
  it('answers a known error as its own problem, with the instance', () => {
    const answer = problemAnswer(new ConflictError('Already there.'), '/v1/x', () => undefined);
    expect(answer.status).to.equal(409);
    expect(answer.document).to.include({
      status: 409,
      detail: 'Already there.',
      instance: '/v1/x',
    });
  });

  it("answers PostgreSQL's refusals of input it cannot store as the client's 400", () => {
    const nul = problemAnswer({ code: '22021' }, '/v1/x', () => undefined);
    expect(nul.document).to.include({ status: 400, code: 'nul_character' });
    for (const code of ['22003', '22008']) {
      const range = problemAnswer({ code }, '/v1/x', () => undefined);
      expect(range.document, code).to.include({ status: 400, code: 'out_of_range' });
    }
  });

  it("maps the JSON parser's errors by type (413 beyond the limit)", () => {
    const answer = problemAnswer({ type: 'entity.too.large' }, '/v1/x', () => undefined);
    expect(answer.document).to.include({ status: 413, code: 'payload_too_large' });
  });

  it('answers 503 with Retry-After when PostgreSQL or Redis is down, not 500', () => {
    const down = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      Object.assign(new Error('Knex: Timeout acquiring a connection.'), {
        name: 'KnexTimeoutError',
      }),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection is closed.'),
    ];
    for (const err of down) {
      const { log, errors } = recordingLogger();
      const answer = problemAnswer(err, '/v1/x', () => log);
      expect(answer.status, err.message).to.equal(503);
      expect(answer.headers, err.message).to.deep.equal({ 'Retry-After': '5' });
      expect(answer.document, err.message).to.include({ code: 'service_unavailable' });
      expect(errors, 'not logged as an unhandled error').to.deep.equal([]);
    }
  });

  it('answers anything else 500 with a generic detail, and logs it', () => {
    const { log, errors } = recordingLogger();
    const answer = problemAnswer(new Error('secret internals'), '/v1/x', () => log);
    expect(answer.status).to.equal(500);
    expect(JSON.stringify(answer.document)).not.to.contain('secret');
    expect(errors).to.deep.equal(['unhandled error']);
  });
});
