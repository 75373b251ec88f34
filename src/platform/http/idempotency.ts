import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { ConflictError, UnprocessableError, ValidationError } from '../errors.js';
import type { Clock } from '../clock.js';

interface StoredResponse {
  request_hash: string;
  status_code: number | null;
  response_body: unknown;
  created_at: Date;
}

const MAX_KEY_LENGTH = 255;
const WAIT_STEP_MS = 25;

function hashRequest(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
}

function replay(res: Response, stored: StoredResponse): void {
  res.setHeader('Idempotent-Replayed', 'true');
  const body = stored.response_body as { type?: string } | null;
  const problem = typeof body?.type === 'string' && body.type.startsWith('urn:trunkline:problem:');
  res
    .status(stored.status_code ?? 200)
    .type(problem ? 'application/problem+json' : 'application/json')
    .json(body);
}

/**
 * `Idempotency-Key` for POSTs (API.md): the first request with a key claims it with an insert;
 * its response (2xx or 4xx) is stored before it is sent. The same key and body replays that
 * response with `Idempotent-Replayed: true`; the same key with another body is a 422; a
 * concurrent duplicate waits for the first to finish, so both produce one resource. A 5xx
 * releases the key so the client can retry. Keys are kept for 48 hours.
 */
export function createIdempotency(deps: {
  db: Knex;
  clock: Clock;
  waitMs?: number;
}): RequestHandler {
  const waitMs = deps.waitMs ?? 10_000;

  async function waitForResponse(
    projectId: string,
    key: string,
  ): Promise<StoredResponse | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const row = (await deps
        .db('idempotency_keys')
        .where({ project_id: projectId, key })
        .first()) as StoredResponse | undefined;
      if (!row || row.status_code !== null || Date.now() > deadline) return row;
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  return async (req, res, next) => {
    const key = req.get('Idempotency-Key');
    const auth = req.auth;
    if (req.method !== 'POST' || key === undefined || !auth || auth.kind === 'admin') return next();
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new ValidationError('Idempotency-Key must be 1 to 255 characters.', [
        { path: '/headers/idempotency-key', message: 'must be 1 to 255 characters' },
      ]);
    }
    const projectId = auth.projectId;
    const requestHash = hashRequest(req.method, req.originalUrl, req.body);
    const claimed = await deps
      .db('idempotency_keys')
      .insert({
        project_id: projectId,
        key,
        request_hash: requestHash,
        created_at: deps.clock.now(),
      })
      .onConflict(['project_id', 'key'])
      .ignore()
      .returning('key');

    if (claimed.length === 0) {
      const stored = await waitForResponse(projectId, key);
      if (stored && stored.request_hash !== requestHash) {
        throw new UnprocessableError(
          'This Idempotency-Key was used with a different request.',
          'idempotency_key_reused',
        );
      }
      if (!stored) return next(); // released by a failed first attempt: run this one normally
      if (stored.status_code === null) {
        throw new ConflictError(
          'A request with this Idempotency-Key is still in progress.',
          'idempotency_in_progress',
        );
      }
      return replay(res, stored);
    }

    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const status = res.statusCode;
      const done =
        status >= 500
          ? deps.db('idempotency_keys').where({ project_id: projectId, key }).delete()
          : deps
              .db('idempotency_keys')
              .where({ project_id: projectId, key })
              .update({
                status_code: status,
                response_body: JSON.stringify(body),
                completed_at: deps.clock.now(),
              });
      done.then(
        () => send(body),
        (err: unknown) => {
          req.log?.error({ err }, 'could not store idempotent response');
          send(body);
        },
      );
      return res;
    };
    next();
  };
}

/** Deletes idempotency records older than 48 hours (API.md promises at least 24). */
export async function pruneIdempotencyKeys(db: Knex, now: Date): Promise<number> {
  return db('idempotency_keys')
    .where('created_at', '<', new Date(now.getTime() - 48 * 3600_000))
    .delete();
}
