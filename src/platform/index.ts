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
  refuseField,
  TooManyRequestsError,
  UpstreamError,
  UnavailableError,
  isAppError,
} from './errors.js';
export type { FieldError, AppErrorOptions } from './errors.js';
export { createLogger, createSilentLogger, createStderrLogger } from './logger.js';
export { retryWrite } from './retry-write.js';
export { withTimeout } from './with-timeout.js';
export { isStoreUnavailable } from './store-errors.js';
export { waitForStores, StoreWaitError } from './store-wait.js';
export type { Logger } from './logger.js';
export { systemClock, createManualClock, parseInstant } from './clock.js';
export type { Clock } from './clock.js';
export { createIdGenerator, isId, ID_PREFIXES } from './ids.js';
export type { IdGenerator, IdPrefix } from './ids.js';
export { afterCommit, createDb, ensureDatabase, dropDatabase, migrateLatest } from './db.js';
export type { Db, Trx } from './db.js';
export { createRedis, redisOptions } from './redis.js';
export type { Redis } from './redis.js';
export { createQueueRegistry } from './queues.js';
export type { QueueRegistry } from './queues.js';
export { createJobRunner } from './jobs.js';
export type { JobHandler, JobContext, JobRunner } from './jobs.js';
export { projectIdOf } from './http/context.js';
export type { AuthContext } from './http/context.js';
export { problemHandler, notFoundHandler, problemOf } from './http/problem.js';
export { requireJson, parseJson } from './http/body.js';
export {
  createRequestValidation,
  loadOpenApi,
  validQuery,
  validParams,
  fieldErrorsOf,
} from './http/openapi.js';
export type { OpenApiDocument, Validate } from './http/openapi.js';
export {
  paginate,
  pageFromRows,
  pageOf,
  encodeCursor,
  decodeCursor,
  encodeNumberCursor,
  decodeNumberCursor,
} from './http/pagination.js';
export type { Page, PageQuery } from './http/pagination.js';
export { createMetrics } from './http/metrics.js';
export { createHttpLogger } from './http/logging.js';
export { createRequestListener } from './http/lean-routes.js';
export { answerWithoutUpgrade } from './http/upgrade-fallback.js';
export { answerClientErrors, endWithProblem } from './http/client-errors.js';
export { methodNotAllowed } from './http/method-not-allowed.js';
export type { LeanRequest, LeanRoute } from './http/lean-routes.js';
export { createRateLimit } from './http/rate-limit.js';
export {
  answeredWithResource,
  answerHoldsSecret,
  answerWithOf,
  createIdempotency,
  pruneIdempotencyKeys,
  storeAnswersSql,
} from './http/idempotency.js';
export type { AnswerWith, IdempotencyKeyRow } from './http/idempotency.js';

export { toE164, isAlphanumericSender, normalizeProviderAddress } from './phone.js';
export { createInvalidationBus } from './invalidation.js';
export { listenFor } from './listen.js';
export { createClaimLoop } from './claim-loop.js';
export type { ClaimLoopWiring, RowDispatcher } from './claim-loop.js';
export type { Listener } from './listen.js';
export { createGroupCommit, orOneByOne } from './group-commit.js';
export { codePoints, headWithin, headWithinBytes, storableText } from './text.js';
export type { InvalidationBus, InvalidationHandler } from './invalidation.js';
export { createInvalidatedCache } from './cache.js';
export type { InvalidatedCache } from './cache.js';
export {
  ALWAYS,
  batchKeys,
  claimDueSql,
  ORDERED_CLAIM_SETTINGS,
  runClaim,
  cte,
  insertRowSql,
  runCtes,
  statementName,
  unchangedColumns,
  updateRowSql,
} from './sql.js';
export type { SqlFragment } from './sql.js';
