import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../errors.js';

/**
 * Per-credential rate limit: a fixed one-second window whose counter lives in Redis, so every
 * instance of the API shares it. The limit is the project's own when set, else the default.
 *
 * To keep Redis off most requests, an instance takes tokens from the shared counter in leases
 * (1/20 of the limit, at most 100) and spends them locally until the window ends. The counter
 * is incremented by the whole lease, and only the part of it still under the limit is granted,
 * so the instances together never admit more than the limit; the price is that tokens one
 * instance leased but did not use are lost to the others for the rest of that second. Limits
 * under 40/s lease one token at a time, which is exact.
 */
export function leaseSize(limit: number): number {
  return Math.max(1, Math.min(100, Math.floor(limit / 20)));
}

interface Lease {
  windowEndsAt: number;
  tokens: number;
  /** Redis's remaining points when the lease was taken (before the local spending). */
  remainingAtLease: number;
}

interface Verdict {
  allowed: boolean;
  remaining: number;
  resetMs: number;
}

function headersOf(limit: number, verdict: Verdict): Record<string, string> {
  const resetSec = Math.max(1, Math.ceil(verdict.resetMs / 1000));
  return {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, verdict.remaining)),
    'RateLimit-Reset': String(resetSec),
    'RateLimit-Policy': `${limit};w=1`,
  };
}

export function createRateLimit(deps: {
  redis: Redis;
  prefix: string;
  defaultPerSecond: number;
}): RequestHandler {
  const limiters = new Map<number, RateLimiterRedis>();
  const leases = new LRUCache<string, Lease>({ max: 100_000 });
  const pending = new Map<string, Promise<void>>();

  function limiterFor(points: number): RateLimiterRedis {
    let limiter = limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: deps.redis,
        keyPrefix: `${deps.prefix}:rl:${points}`,
        points,
        duration: 1,
        // While Redis is down each process counts on its own, at once: requests waited on
        // Redis for as long as it was gone, then met a burst of 429s from the queued counts.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration: 1 }),
      });
      limiters.set(points, limiter);
    }
    return limiter;
  }

  async function takeLease(key: string, counter: string, limit: number): Promise<void> {
    const size = leaseSize(limit);
    let result: RateLimiterRes;
    try {
      result = await limiterFor(limit).consume(counter, size);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      result = rejection;
    }
    const granted = Math.max(0, size - Math.max(0, result.consumedPoints - limit));
    leases.set(key, {
      windowEndsAt: Date.now() + result.msBeforeNext,
      tokens: Math.min(size, granted),
      remainingAtLease: result.remainingPoints,
    });
  }

  async function spend(counter: string, limit: number): Promise<Verdict> {
    const key = `${limit}:${counter}`;
    for (;;) {
      const lease = leases.get(key);
      const now = Date.now();
      if (lease && lease.windowEndsAt > now) {
        const resetMs = lease.windowEndsAt - now;
        if (lease.tokens > 0) {
          lease.tokens -= 1;
          return { allowed: true, remaining: lease.remainingAtLease + lease.tokens, resetMs };
        }
        // Nothing left here; if the shared counter had run out too, the window is spent.
        if (lease.remainingAtLease <= 0) return { allowed: false, remaining: 0, resetMs };
      }
      let waiting = pending.get(key);
      if (!waiting) {
        waiting = takeLease(key, counter, limit).finally(() => pending.delete(key));
        pending.set(key, waiting);
      }
      await waiting;
    }
  }

  return async (req, res, next) => {
    const auth = req.auth;
    if (!auth || auth.kind === 'admin') return next();
    const limit = auth.rateLimitPerSecond ?? deps.defaultPerSecond;
    const counter = auth.kind === 'key' ? auth.keyId : `${auth.projectId}:${auth.identity}`;
    const verdict = await spend(counter, limit);
    const headers = headersOf(limit, verdict);
    if (!verdict.allowed) {
      throw new TooManyRequestsError(`More than ${limit} requests per second.`, {
        ...headers,
        'Retry-After': headers['RateLimit-Reset'],
      });
    }
    res.set(headers);
    next();
  };
}
