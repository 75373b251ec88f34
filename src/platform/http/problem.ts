import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';

const BODY_PARSER_ERRORS: Record<string, () => AppError> = {
  'entity.too.large': () => new AppError(413, 'payload_too_large', 'Request body exceeds 1 MB.'),
  'entity.parse.failed': () =>
    new AppError(400, 'malformed_json', 'Request body is not valid JSON.', { errors: [] }),
  'encoding.unsupported': () =>
    new AppError(415, 'unsupported_media_type', 'Unsupported content encoding.'),
  'charset.unsupported': () =>
    new AppError(415, 'unsupported_media_type', 'Unsupported charset; use UTF-8.'),
  'request.aborted': () => new AppError(400, 'request_aborted', 'The request was aborted.'),
  'request.size.invalid': () => new AppError(400, 'bad_request', 'Content-Length does not match.'),
};

/**
 * PostgreSQL's refusals of text it cannot store (U+0000 in `text` or `jsonb`): they come only
 * from input, e.g. `%00` in a path or query parameter, so they are the client's 400.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/**
 * PostgreSQL's refusals of a number its column cannot hold (22003) and of a date it has no
 * such day for (22008: the year 0000, which the contract's date formats allow). The contract
 * bounds every number it takes (a flow version in 32 bits, a chat seq below 2^53), so these
 * are a safety net: the value came from the request, and the answer is its 400.
 */
const OUT_OF_RANGE = new Set(['22003', '22008']);

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string } | null)?.code ?? '';
  if (UNSTORABLE_TEXT.has(code)) {
    return new AppError(400, 'nul_character', 'Text may not contain the NUL character (U+0000).');
  }
  if (OUT_OF_RANGE.has(code)) {
    return new AppError(400, 'out_of_range', 'A number or date in the request is out of range.');
  }
  const type = (err as { type?: string } | null)?.type;
  if (type && BODY_PARSER_ERRORS[type]) return BODY_PARSER_ERRORS[type]();
  const status = (err as { status?: number } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'bad_request', 'The request could not be processed.');
  }
  return null;
}

/** The problem document (RFC 9457) for an error; `code` is our stable machine-readable name. */
export function problemOf(err: AppError, instance?: string) {
  return {
    type: `urn:trunkline:problem:${err.code}`,
    title: err.code.replace(/_/g, ' '),
    status: err.status,
    detail: err.detail,
    code: err.code,
    ...(instance && { instance }),
    ...(err.errors && { errors: err.errors }),
    ...err.extra,
  };
}

/**
 * The one place errors become answers: known errors as their problem, anything else logged
 * (with the request id, through `log`) and answered 500 with a generic detail.
 */
export function problemAnswer(err: unknown, instance: string, log: () => Logger | undefined) {
  const known = toAppError(err);
  const appError =
    known ?? new AppError(500, 'internal_error', 'Something went wrong on our side.');
  if (!known) log()?.error({ err }, 'unhandled error');
  return {
    status: appError.status,
    headers: appError.headers ?? {},
    document: problemOf(appError, instance),
  };
}

/** Express's error handler: every error of an Express route is answered as problem+json. */
export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const answer = problemAnswer(err, req.originalUrl, () => req.log);
  if (res.headersSent) return void res.end();
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.status(answer.status).type('application/problem+json').json(answer.document);
};

export const notFoundHandler: RequestHandler = () => {
  throw new NotFoundError('Route');
};
