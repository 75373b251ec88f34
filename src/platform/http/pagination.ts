import type { Knex } from 'knex';
import { ValidationError } from '../errors.js';

export interface PageQuery {
  limit: number;
  cursor: string | null;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** An opaque cursor: base64url of `{ v: 1, id }`, the last id of the previous page. */
export function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, id })).toString('base64url');
}

/** An opaque cursor over a whole-number key (a version, a stream position): `{ v: 1, n }`. */
export function encodeNumberCursor(n: number): string {
  return Buffer.from(JSON.stringify({ v: 1, n })).toString('base64url');
}

const invalidCursor = () =>
  new ValidationError(
    'The cursor is not valid.',
    [{ path: '/query/cursor', message: 'invalid cursor' }],
    'invalid_cursor',
  );

/** What a cursor holds, read as its one member `name`; a tampered cursor is a 400. */
function cursorMember(cursor: string, name: 'id' | 'n'): unknown {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return (parsed as Record<string, unknown> | null)?.[name];
  } catch {
    throw invalidCursor();
  }
}

/** The id inside a cursor; a tampered or foreign cursor is a 400, never a 500. */
export function decodeCursor(cursor: string, prefix: string): string {
  const id = cursorMember(cursor, 'id');
  if (typeof id !== 'string' || !new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`).test(id)) {
    throw invalidCursor();
  }
  return id;
}

/** The number inside a cursor of `encodeNumberCursor`; anything else is a 400. */
export function decodeNumberCursor(cursor: string): number {
  const n = cursorMember(cursor, 'n');
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalidCursor();
  return n;
}

/**
 * Keyset pagination by id (ids are time-sortable, so newest first is `id desc`). The caller
 * applies its filters (always including project_id) to `query` first.
 */
export async function paginate<Row extends { id: string }, T>(
  query: Knex.QueryBuilder,
  page: PageQuery,
  options: { prefix: string; column?: string; order?: 'desc' | 'asc'; map: (row: Row) => T },
): Promise<Page<T>> {
  const column = options.column ?? 'id';
  const order = options.order ?? 'desc';
  if (page.cursor) {
    query.where(column, order === 'desc' ? '<' : '>', decodeCursor(page.cursor, options.prefix));
  }
  const rows = (await query.orderBy(column, order).limit(page.limit + 1)) as Row[];
  return pageFromRows(rows, page.limit, options.map, (last) => encodeCursor(last.id));
}

/**
 * The page of `rows`, read with `limit + 1` to learn whether more follow: the first `limit`
 * shown, and a cursor made of the last shown (`cursorOf`) when more follow.
 */
export function pageFromRows<Row, T>(
  rows: readonly Row[],
  limit: number,
  map: (row: Row) => T,
  cursorOf: (last: Row) => string,
): Page<T> {
  const shown = rows.slice(0, limit);
  return {
    data: shown.map(map),
    next_cursor: rows.length > limit ? cursorOf(shown[shown.length - 1]) : null,
  };
}

/** Reads `limit` (already validated 1–200 by the OpenAPI schema) and `cursor` from a query. */
export function pageOf(query: Record<string, unknown>): PageQuery {
  const limit = typeof query.limit === 'number' ? query.limit : Number(query.limit ?? 50);
  return {
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 200 ? limit : 50,
    cursor: typeof query.cursor === 'string' && query.cursor !== '' ? query.cursor : null,
  };
}
