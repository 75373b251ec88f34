import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { problemOf, sendProblem } from './problem.js';

/** What Node's HTTP parser refused, as the status and problem we answer with. */
function refusalOf(code: string | undefined): AppError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new AppError(
        431,
        'headers_too_large',
        'The request line and headers may take 16 KB at most.',
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError(408, 'request_timeout', 'The request did not arrive in time.');
    default:
      return new AppError(400, 'malformed_request', 'The request is not valid HTTP/1.1.');
  }
}

/**
 * Answers `error` as problem+json straight on a socket no response object owns (a request
 * Node's parser refused, a WebSocket handshake refused), and closes the connection.
 */
export function endWithProblem(socket: Duplex, error: AppError, instance?: string): void {
  const body = JSON.stringify(problemOf(error, instance));
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Answers what Node's HTTP server refuses before any route sees it as problem+json, like
 * every other error, where Node wrote a bare status line with no body: a request whose
 * headers exceed 16 KB (431), malformed framing (chunks, conflicting or negative
 * Content-Length: 400), a request that timed out (408), and an `Expect` other than
 * `100-continue` (417). The connection is closed after a framing error, as Node does.
 */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    logger.debug({ err: err.message, code: err.code }, 'refused a malformed request');
    endWithProblem(socket, refusalOf(err.code));
  });
  server.on('checkExpectation', (req, res) => {
    const refusal = new AppError(
      417,
      'expectation_failed',
      'Only "Expect: 100-continue" is supported.',
    );
    sendProblem(res, refusal, req.url ?? '/', () => logger);
  });
}
