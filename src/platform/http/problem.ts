import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isStoreUnavailable } from '../store-errors.js';

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

const unstorableText = () =>
  new AppError(400, 'nul_character', 'Text may not contain the NUL character (U+0000).');
const outOfRange = () =>
  new AppError(400, 'out_of_range', 'A number or date in the request is out of range.');

/**
 * PostgreSQL's refusals of values that can only have come from the request, so they are the
 * client's 400, by SQLSTATE:
 * - text it cannot store (U+0000 in `text` or `jsonb`), e.g. `%00` in a path or query;
 * - a number its column cannot hold (22003) and a date it has no day for (22008: the year
 *   0000, which the contract's date formats allow). The contract bounds every number it takes
 *   (a flow version in 32 bits, a chat seq below 2^53): a safety net for a missing bound.
 */
const POSTGRES_INPUT_ERRORS: Record<string, () => AppError> = {
  '22021': unstorableText,
  '22P05': unstorableText,
  '22003': outOfRange,
  '22008': outOfRange,
};

const storeUnavailable = () =>
  new AppError(
    503,
    'service_unavailable',
    'A store this request needs is unavailable; retry shortly.',
    {
      retryable: true,
      headers: { 'Retry-After': '5' },
    },
  );

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string } | null)?.code;
  if (code && POSTGRES_INPUT_ERRORS[code]) return POSTGRES_INPUT_ERRORS[code]();
  if (isStoreUnavailable(err)) return storeUnavailable();
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
  else if (appError.code === 'service_unavailable' && !(err instanceof AppError)) {
    log()?.warn({ err: (err as Error).message }, 'store unavailable; answered 503');
  }
  return {
    status: appError.status,
    headers: appError.headers ?? {},
    document: problemOf(appError, instance),
  };
}

/**
 * Answers `err` as problem+json on any response, Express's or a lean route's (ends it as it
 * is when the headers are already sent).
 */
export function sendProblem(
  res: ServerResponse,
  err: unknown,
  instance: string,
  log: () => Logger | undefined,
): void {
  const answer = problemAnswer(err, instance, log);
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(answer.document);
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Express's error handler: every error of an Express route is answered as problem+json. */
export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  sendProblem(res, err, req.originalUrl, () => req.log);
};

export const notFoundHandler: RequestHandler = () => {
  throw new NotFoundError('Route');
};
