import { NotFoundError, UpstreamError, isAppError, type AppError } from '../platform/index.js';

/** What the AWS SDK attaches to every service and transport failure. */
interface SdkFailure {
  name?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound']);

/**
 * The one place S3 failures become our errors (STYLE.md §7).
 * - a missing object (`NoSuchKey`, or a 404 from HEAD, which has no body to name it) →
 *   `NotFoundError` (404, not retryable);
 * - everything else — a missing bucket, denied credentials, a timeout, a refused
 *   connection, a 5xx — → `UpstreamError` code `storage_unavailable` (502, retryable): the
 *   caller can do nothing about it but try again later, and the detail stays generic so no
 *   storage internals reach an API client. The SDK error is kept as `cause` for the logs.
 */
export function translateS3Error(err: unknown, resource = 'Object'): AppError {
  if (isAppError(err)) return err;
  if (isMissingObject(err)) return new NotFoundError(resource);
  return new UpstreamError('Object storage is unavailable.', 'storage_unavailable', {
    cause: err,
  });
}

/** True for an SDK error that says "no such object" (as opposed to "no such bucket"). */
export function isMissingObject(err: unknown): boolean {
  const { name, status } = describeSdkError(err);
  return NOT_FOUND_NAMES.has(name) || (status === 404 && name !== 'NoSuchBucket');
}

/** The error name and HTTP status of an SDK failure, when it has them. */
export function describeSdkError(err: unknown): { name: string; status: number | null } {
  if (typeof err !== 'object' || err === null) return { name: '', status: null };
  const failure = err as SdkFailure;
  const status = failure.$metadata?.httpStatusCode;
  return {
    name: typeof failure.name === 'string' ? failure.name : '',
    status: typeof status === 'number' ? status : null,
  };
}
