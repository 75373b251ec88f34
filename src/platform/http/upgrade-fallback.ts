import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendProblem } from './problem.js';

/**
 * Answers over plain HTTP/1.1 a request that asked to upgrade to something this server does
 * not offer there (`Upgrade: h2c` from `curl --http2`, a WebSocket on another path). Once an
 * `upgrade` listener is registered (the realtime gateway's), Node hands every request with an
 * Upgrade header to it instead of the request listener; such a request used to be left
 * unanswered with its socket open, which also kept SIGTERM from finishing (found by fuzzing).
 * RFC 9110 §7.8 lets a server ignore Upgrade, so a request without a body is served by the
 * server's own request listener, on a connection closed after the answer. One with a body is
 * refused with 400: Node's HTTP parser has let go of the socket, so the body can't be read.
 */
export function answerWithoutUpgrade(
  server: Server,
  req: IncomingMessage,
  socket: Duplex,
  logger: Logger,
): void {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  // Ending the socket closes the response too, so its access line is written.
  res.on('finish', () => socket.end());
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? '0') > 0;
  if (!hasBody) {
    server.emit('request', req, res);
    return;
  }
  const path = new URL(req.url ?? '/', 'http://host').pathname;
  logger.info({ req: { method: req.method, url: path }, res: { status: 400 } }, 'upgrade refused');
  res.setHeader('Connection', 'close');
  sendProblem(
    res,
    new AppError(
      400,
      'upgrade_not_supported',
      `Upgrade to "${req.headers.upgrade}" is not offered for ${req.method} ${path}; send the request without an Upgrade header.`,
    ),
    req.url ?? '/',
    () => undefined,
  );
}
