import { ValidationError } from './errors.js';
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

/** The zone of a date-time as the contract's check accepts it: `Z`, `±hh`, `±hhmm`, `±hh:mm`. */
const ZONE = /([+-])(\d\d):?(\d\d)?$/;

/** The `:60` seconds of a leap second, before its (normalised) zone. */
const LEAP_SECOND = /:60(?=(?:\.\d+)?(?:[zZ]|[+-]\d\d:\d\d)$)/;

/**
 * An RFC 3339 date-time from a request (the contract has checked its form) as a Date.
 * The check (ajv-formats) also takes zones JavaScript cannot read, `+00` and `+0000`, which are
 * written `+00:00` first; and JavaScript refuses a leap second (`23:59:60Z`), which RFC 3339
 * allows: it is read as the second after `:59`, as PostgreSQL reads it. (Each was an Invalid
 * Date sent to PostgreSQL: a 500.) Anything still unreadable is a 400, never a 500.
 */
export function parseInstant(text: string): Date {
  const zoned = text.replace(ZONE, (_, sign: string, hours: string, minutes?: string) => {
    return `${sign}${hours}:${minutes ?? '00'}`;
  });
  let at = new Date(zoned);
  if (Number.isNaN(at.getTime()) && LEAP_SECOND.test(zoned)) {
    at = new Date(new Date(zoned.replace(LEAP_SECOND, ':59')).getTime() + 1000);
  }
  if (Number.isNaN(at.getTime())) {
    throw new ValidationError(`"${text}" is not an RFC 3339 date-time.`, [], 'invalid_date_time');
  }
  return at;
}
