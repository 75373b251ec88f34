import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/platform/index.js';

/** What the request logging tests read of a pino line. */
export interface LogLine {
  level: number;
  msg: string;
  request_id?: string;
  project_id?: string;
  req?: { method: string; url: string };
  res?: { status: number };
  [field: string]: unknown;
}

/** A logger at `level` whose lines are kept, parsed, in `lines`. */
export function capturingLogger(level: string): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}
