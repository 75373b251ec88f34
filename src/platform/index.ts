export {
  AppError,
  ValidationError,
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  UnprocessableError,
  TooManyRequestsError,
  UpstreamError,
  UnavailableError,
  isAppError,
} from './errors.js';
export type { FieldError, AppErrorOptions } from './errors.js';
export { createLogger, createSilentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { systemClock, createManualClock } from './clock.js';
export type { Clock } from './clock.js';
export { createIdGenerator, isId, ID_PREFIXES } from './ids.js';
export type { IdGenerator, IdPrefix } from './ids.js';
