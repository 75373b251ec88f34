/**
 * The one error hierarchy (STYLE.md §5). Every failure a client can see is an AppError;
 * the problem middleware renders it as RFC 9457 `application/problem+json`. Workers throw
 * the same errors: `retryable: false` tells the job runner to stop retrying.
 */

/** One validation failure: a JSON pointer into the request and what is wrong there. */
export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  retryable?: boolean;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members added to the problem document (e.g. `{ existing_id }`). */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly retryable: boolean;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  readonly extra?: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    options: AppErrorOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? status >= 500;
    this.errors = options.errors;
    this.headers = options.headers;
    this.extra = options.extra;
  }
}

/** 400: malformed JSON or a schema violation; `errors` lists each failing path. */
export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldError[] = [], code = 'invalid_request') {
    super(400, code, detail, { errors, retryable: false });
  }
}

export class BadRequestError extends AppError {
  constructor(detail: string, code = 'bad_request') {
    super(400, code, detail, { retryable: false });
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Missing or invalid credentials.', code = 'unauthorized') {
    super(401, code, detail, { retryable: false, headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'Not allowed.', code = 'forbidden') {
    super(403, code, detail, { retryable: false });
  }
}

/** 404: also the answer for another project's resource, so its existence is never revealed. */
export class NotFoundError extends AppError {
  constructor(resource = 'Resource', code = 'not_found') {
    super(404, code, `${resource} not found.`, { retryable: false });
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, code = 'conflict', extra?: Record<string, unknown>) {
    super(409, code, detail, { retryable: false, extra });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(detail = 'Request body is too large.') {
    super(413, 'payload_too_large', detail, { retryable: false });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(detail = 'Content-Type must be application/json.') {
    super(415, 'unsupported_media_type', detail, { retryable: false });
  }
}

/** 422: well-formed but impossible (an unknown sender, an opted-out recipient...). */
export class UnprocessableError extends AppError {
  constructor(detail: string, code = 'unprocessable', errors?: FieldError[]) {
    super(422, code, detail, { retryable: false, errors });
  }
}

/**
 * The 422 of one field (API.md: a validation failure names its fields in `errors`): `path`
 * is the field's JSON pointer, and its message is the detail.
 */
export function refuseField(path: string, code: string, detail: string): never {
  throw new UnprocessableError(detail, code, [{ path, message: detail }]);
}

export class TooManyRequestsError extends AppError {
  constructor(detail: string, headers: Record<string, string>) {
    super(429, 'rate_limited', detail, { retryable: true, headers });
  }
}

/** 502: an upstream (SMSC, PBX, S3) failed in a way the caller may retry. */
export class UpstreamError extends AppError {
  constructor(detail: string, code = 'upstream_error', options: AppErrorOptions = {}) {
    super(502, code, detail, { retryable: true, ...options });
  }
}

export class UnavailableError extends AppError {
  constructor(detail: string, code = 'unavailable') {
    super(503, code, detail, { retryable: true });
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
