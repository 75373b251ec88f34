import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { ConflictError, UnprocessableError, ValidationError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { SqlFragment } from '../sql.js';
import { openAnswer, sealAnswer } from './sealed-answer.js';

interface StoredResponse {
  request_hash: string;
  status_code: number | null;
  /** The answer's body as it was sent (a `json` column keeps the text); null for none. */
  response_text: string | null;
  created_at: Date;
}

/** Where a key lives: its project, and within it the caller (see migration 011). */
export interface IdempotencyKeyRow {
  project_id: string;
  scope: string;
  key: string;
}

/**
 * How a handler answers a request that claimed an Idempotency-Key: the statement creating
 * its resource stores this answer with it (`storeAnswersSql`), so the resource and the answer
 * commit together.
 */
export interface AnswerWith<Row> {
  key: IdempotencyKeyRow;
  status: number;
  view(row: Row): unknown;
}

/**
 * The answer a handler creating a resource gives under this request's Idempotency-Key, for
 * its statement to store; undefined when the request claimed no key. Once the resource is
 * saved, the handler calls `answeredWithResource`.
 */
export function answerWithOf<Row>(
  res: Response,
  status: number,
  view: (row: Row) => unknown,
): AnswerWith<Row> | undefined {
  const key = res.locals.idempotencyKey as IdempotencyKeyRow | undefined;
  return key && { key, status, view };
}

/**
 * Marks the request's answer as carrying a secret shown once: it is stored sealed under the
 * request's credential (see `sealed-answer.ts`), and only that credential can replay it.
 */
export function answerHoldsSecret(res: Response): void {
  res.locals.idempotencySecret = true;
}

/**
 * Tells the idempotency layer that the request's answer was stored in the statement that
 * created its resource: sending it writes nothing more.
 */
export function answeredWithResource(res: Response): void {
  res.locals.idempotencyAnswered = true;
}

/**
 * The UPDATE that stores the answers of resources saved by a caller's statement, each only
 * where `onlyIf` holds: SQL on the alias `a`, whose `resource_id` is the answer's resource
 * (e.g. `a.resource_id in (select id from inserted)`). Its text is the same for any number of
 * answers, none included.
 */
export function storeAnswersSql<Row extends { id: string }>(
  answers: ReadonlyArray<{ answer: AnswerWith<Row>; row: Row }>,
  at: Date,
  onlyIf = 'true',
): SqlFragment {
  return {
    sql: `update idempotency_keys k
             set status_code = a.status, response_body = a.body, completed_at = ?
            from json_to_recordset(?::json)
                 as a(project_id text, scope text, key text, status int, body json,
                      resource_id text)
           where k.project_id = a.project_id and k.scope = a.scope and k.key = a.key
             and k.status_code is null and ${onlyIf}
          returning k.key`,
    bindings: [
      at,
      JSON.stringify(
        answers.map(({ answer, row }) => ({
          ...answer.key,
          status: answer.status,
          body: answer.view(row),
          resource_id: row.id,
        })),
      ),
    ],
  };
}

const MAX_KEY_LENGTH = 255;
const WAIT_STEP_MS = 25;
/**
 * A claim with no answer after this long belongs to a request that will never answer (its
 * process died, its client's socket broke before the answer was written): it is released.
 */
const ABANDONED_AFTER_MS = 60_000;

/**
 * JSON text of a parsed body with every object's keys in order, so the same request with its
 * fields in another order counts as the same request (it was a 422 idempotency_key_reused).
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const entries = Object.keys(value)
    .sort()
    .map(
      (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
    );
  return `{${entries.join(',')}}`;
}

function hashRequest(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

/** Sends the stored answer again, byte for byte (opened first if it was sealed). */
function replay(
  req: Request,
  res: Response,
  stored: StoredResponse,
  where: IdempotencyKeyRow,
): void {
  const text =
    stored.response_text === null
      ? null
      : openAnswer(stored.response_text, credentialOf(req), where);
  if (stored.response_text !== null && text === null) {
    throw new UnprocessableError(
      'The answer to this Idempotency-Key holds a secret: only the credential that sent the first request can replay it.',
      'idempotency_answer_sealed',
    );
  }
  res.setHeader('Idempotent-Replayed', 'true');
  res.status(stored.status_code ?? 200);
  if (text === null) return void res.end();
  const body = JSON.parse(text) as { type?: unknown } | null;
  const problem = typeof body?.type === 'string' && body.type.startsWith('urn:trunkline:problem:');
  res.type(problem ? 'application/problem+json' : 'application/json').send(text);
}

/** The request's credential, as sent: what a sealed answer is sealed under. */
const credentialOf = (req: Request) => req.get('authorization') ?? '';

/** The text to store of an answer ('' is no body: null); undefined when it is not JSON. */
function answerText(text: string): string | null | undefined {
  if (text === '') return null;
  try {
    JSON.parse(text);
    return text;
  } catch {
    return undefined;
  }
}

/**
 * `Idempotency-Key` for POSTs (API.md): the first request with a key claims it with an insert;
 * its answer (2xx or 4xx, success or problem, with or without a body) is stored before it is
 * sent. The same key and body replays that answer with `Idempotent-Replayed: true`; the same
 * key with another body is a 422; a concurrent duplicate waits for the first to finish, so
 * both produce one resource. A 5xx, or an answer that is not JSON, releases the key so the
 * client can retry, and so does a claim left unanswered for a minute. A handler may store its
 * answer in the statement that creates its resource (`answerWithOf`, `storeAnswersSql`,
 * `answeredWithResource`): a process that dies after that commit, before the answer is
 * sent, then leaves an answer to replay rather than a claim a retry would take over (a
 * second message, sent twice). Keys are scoped to the
 * project for API keys, and to the end user for chat tokens. Kept for 48 hours.
 */
export function createIdempotency(deps: {
  db: Knex;
  clock: Clock;
  waitMs?: number;
}): RequestHandler {
  const waitMs = deps.waitMs ?? 10_000;
  const keys = () => deps.db('idempotency_keys');

  async function claim(where: IdempotencyKeyRow, requestHash: string): Promise<boolean> {
    const claimed = await keys()
      .insert({ ...where, request_hash: requestHash, created_at: deps.clock.now() })
      .onConflict(['project_id', 'scope', 'key'])
      .ignore()
      .returning('key');
    return claimed.length > 0;
  }

  /** The stored answer, waiting up to `waitMs` for one in progress; undefined if released. */
  async function waitForResponse(where: IdempotencyKeyRow): Promise<StoredResponse | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const row = (await keys()
        .select(
          'request_hash',
          'status_code',
          'created_at',
          deps.db.raw('response_body::text as response_text'),
        )
        .where(where)
        .first()) as StoredResponse | undefined;
      if (!row || row.status_code !== null) return row;
      if (deps.clock.now().getTime() - row.created_at.getTime() > ABANDONED_AFTER_MS) {
        await keys().where(where).whereNull('status_code').delete();
        return undefined;
      }
      if (Date.now() > deadline) return row;
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  /** Stores the answer of the request that claimed `where` just before it is sent. */
  function storeAnswer(req: Request, res: Response, where: IdempotencyKeyRow): void {
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((...args: unknown[]) => {
      res.end = end as Response['end'];
      if (res.locals.idempotencyAnswered === true) return end(...args);
      const [chunk] = args;
      const text =
        typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
      const answer = res.statusCode >= 500 ? undefined : answerText(text);
      const body =
        answer && res.locals.idempotencySecret === true
          ? sealAnswer(answer, credentialOf(req), where)
          : answer;
      // Only a claim still without an answer: one stored with its resource (a send whose
      // statement committed before something failed) stays, so a retry replays it.
      const done =
        body === undefined
          ? keys().where(where).whereNull('status_code').delete()
          : keys().where(where).whereNull('status_code').update({
              status_code: res.statusCode,
              response_body: body,
              completed_at: deps.clock.now(),
            });
      done.then(
        () => end(...args),
        (err: unknown) => {
          req.log?.error({ err }, 'could not store idempotent response');
          end(...args);
        },
      );
      return res;
    }) as Response['end'];
  }

  /**
   * Where a key lives: its project ('' for the operator's admin requests, which have none),
   * and within it '' for API keys, `identity:<id>` for an end user's token, `admin` for the
   * operator.
   */
  function scopeOf(auth: NonNullable<Request['auth']>, key: string): IdempotencyKeyRow {
    if (auth.kind === 'admin') return { project_id: '', scope: 'admin', key };
    const scope = auth.kind === 'user' ? `identity:${auth.identity}` : '';
    return { project_id: auth.projectId, scope, key };
  }

  return async (req, res, next) => {
    const key = req.get('Idempotency-Key');
    const auth = req.auth;
    if (req.method !== 'POST' || key === undefined || !auth) return next();
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new ValidationError('Idempotency-Key must be 1 to 255 characters.', [
        { path: '/headers/idempotency-key', message: 'must be 1 to 255 characters' },
      ]);
    }
    const where: IdempotencyKeyRow = scopeOf(auth, key);
    const requestHash = hashRequest(req.method, req.originalUrl, req.body);
    // A key released by a failed first attempt may be claimed again, once.
    for (let tries = 0; !(await claim(where, requestHash)); tries += 1) {
      const stored = await waitForResponse(where);
      if (stored && stored.request_hash !== requestHash) {
        throw new UnprocessableError(
          'This Idempotency-Key was used with a different request.',
          'idempotency_key_reused',
        );
      }
      if (stored && stored.status_code !== null) return replay(req, res, stored, where);
      if (stored || tries > 0) {
        throw new ConflictError(
          'A request with this Idempotency-Key is still in progress.',
          'idempotency_in_progress',
        );
      }
    }
    res.locals.idempotencyKey = where;
    storeAnswer(req, res, where);
    next();
  };
}

/** Deletes idempotency records older than 48 hours (API.md promises at least 24). */
export async function pruneIdempotencyKeys(db: Knex, now: Date): Promise<number> {
  return db('idempotency_keys')
    .where('created_at', '<', new Date(now.getTime() - 48 * 3600_000))
    .delete();
}
