import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A bare webhook receiver on loopback: answers 200 to everything, keeps connections alive. */
export interface BenchReceiver {
  url: string;
  /** Requests answered so far. */
  count(): number;
  close(): Promise<void>;
}

/** Starts the receiver on 127.0.0.1, port 0. It reads each body fully before answering. */
export async function startReceiver(): Promise<BenchReceiver> {
  let answered = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      answered += 1;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    count: () => answered,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
