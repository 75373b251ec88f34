import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../errors.js';

function headersOf(limit: number, result: RateLimiterRes): Record<string, string> {
  const resetSec = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
  return {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, result.remainingPoints)),
    'RateLimit-Reset': String(resetSec),
    'RateLimit-Policy': `${limit};w=1`,
  };
}

/**
 * Per-credential rate limit in Redis (a fixed one-second window): every instance of the API
 * shares the counters. The limit is the project's own when set, else the configured default.
 */
export function createRateLimit(deps: {
  redis: Redis;
  prefix: string;
  defaultPerSecond: number;
}): RequestHandler {
  const limiters = new Map<number, RateLimiterRedis>();
  function limiterFor(points: number): RateLimiterRedis {
    let limiter = limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: deps.redis,
        keyPrefix: `${deps.prefix}:rl:${points}`,
        points,
        duration: 1,
      });
      limiters.set(points, limiter);
    }
    return limiter;
  }

  return async (req, res, next) => {
    const auth = req.auth;
    if (!auth || auth.kind === 'admin') return next();
    const limit = auth.rateLimitPerSecond ?? deps.defaultPerSecond;
    const key = auth.kind === 'key' ? auth.keyId : `${auth.projectId}:${auth.identity}`;
    try {
      const result = await limiterFor(limit).consume(key);
      res.set(headersOf(limit, result));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const headers = headersOf(limit, rejection);
      throw new TooManyRequestsError(`More than ${limit} requests per second.`, {
        ...headers,
        'Retry-After': headers['RateLimit-Reset'],
      });
    }
    next();
  };
}
