/** The time source every schedule, retry and timeout reads; injected so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to, for unit tests. */
export function createManualClock(start = new Date('2026-01-01T00:00:00Z')) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current += ms;
    },
    set(date: Date) {
      current = date.getTime();
    },
  };
}

/** The `:60` seconds of a leap second in an RFC 3339 date-time, before its zone. */
const LEAP_SECOND = /:60(?=(?:\.\d+)?(?:[zZ]|[+-]\d\d:\d\d)$)/;

/**
 * An RFC 3339 date-time from a request (the contract has checked its form) as a Date.
 * JavaScript refuses a leap second (`23:59:60Z`), which RFC 3339 allows and the contract's
 * check accepts; it is read as the second after `:59`, as PostgreSQL reads it. (A query filter
 * holding one was an Invalid Date sent to PostgreSQL: a 500.)
 */
export function parseInstant(text: string): Date {
  const direct = new Date(text);
  if (!Number.isNaN(direct.getTime()) || !LEAP_SECOND.test(text)) return direct;
  return new Date(new Date(text.replace(LEAP_SECOND, ':59')).getTime() + 1000);
}
