/**
 * A token bucket for one socket's incoming frames: `capacity` frames at once, refilled at
 * `perSecond`. `take` is false when the socket is over its rate (the gateway closes it, 1008).
 */
export function createTokenBucket(options: {
  capacity: number;
  perSecond: number;
  now: () => number;
}) {
  let tokens = options.capacity;
  let last = options.now();
  return {
    take(): boolean {
      const now = options.now();
      tokens = Math.min(options.capacity, tokens + ((now - last) / 1000) * options.perSecond);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
