import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import type { Clock, Logger } from '../platform/index.js';
import { verifySigV4, type SignatureRejection } from './sigv4-verify.js';

/**
 * The local server's fixed credentials (s3rver's built-in account). They guard nothing
 * worth a secret — the server listens on loopback only — but every request must still be
 * signed with them, as on real S3.
 */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A running local S3-compatible server. */
export interface LocalS3Server {
  /** `http://127.0.0.1:<port>`; use path-style addressing. */
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

export interface LocalS3ServerOptions {
  /** Where objects are kept on disk (kept across restarts). */
  directory: string;
  logger: Logger;
  clock: Clock;
}

/**
 * Starts s3rver on 127.0.0.1 with an OS-chosen port, for runs with no `S3_ENDPOINT`
 * (laptops, tests). s3rver serves the S3 API and the files; in front of it every request's
 * SigV4 signature is checked (`verifySigV4`), because s3rver itself does not, and unsigned
 * requests are refused as a private bucket would.
 */
export async function startLocalS3Server(options: LocalS3ServerOptions): Promise<LocalS3Server> {
  const { directory, logger, clock } = options;
  mkdirSync(directory, { recursive: true });
  const s3rver = new S3rver({ directory, silent: true, vhostBuckets: false });
  s3rver.on('error', (err) => logger.debug({ err: err.message }, 'local s3 request failed'));
  const handle = s3rver.callback();
  const secretFor = (id: string) =>
    id === LOCAL_S3_CREDENTIALS.accessKeyId ? LOCAL_S3_CREDENTIALS.secretAccessKey : undefined;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    verifySigV4(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
      secretFor,
      clock.now(),
    ).then(
      (rejection) => (rejection ? refuse(req, res, 403, rejection) : handle(req, res)),
      (err: unknown) => {
        logger.warn({ err }, 'local s3 signature check failed');
        refuse(req, res, 500, { code: 'InternalError', message: 'The signature check failed.' });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  logger.info({ endpoint, directory }, 'local s3 server listening');

  return {
    endpoint,
    credentials: { ...LOCAL_S3_CREDENTIALS },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  rejection: { code: SignatureRejection['code'] | 'InternalError'; message: string },
): void {
  // Drain the body so the client sees the answer instead of a reset connection.
  req.resume();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${rejection.code}</Code><Message>${rejection.message}</Message></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
