import type { EventStore } from '../events/index.js';
import { ALWAYS, cte, runCtes, type SqlFragment, type Trx } from '../platform/index.js';
import type { ScheduleWebhook } from '../webhooks/index.js';
import { messageView } from './message-view.js';
import type { MessageRow } from './messages.store.js';

/** Status changes that customers see as webhooks (API.md "Webhooks to your app"). */
const PUBLIC = new Set([
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'canceled',
  'received',
]);

/**
 * Records what happened to a message in the caller's transaction: always an event in the
 * message's stream; for a public status change also a webhook to the message's
 * `status_callback`, else the number's `sms_url`, else the project's URL.
 */
/** One event of a message's stream: the message as it is after the event, and extra data. */
export interface MessageEventEntry {
  message: MessageRow;
  type: string;
  extra?: Record<string, unknown>;
}

export function createMessageEvents(deps: {
  events: EventStore;
  scheduleWebhook: ScheduleWebhook;
  /** The number's `sms_url`; a cache miss is read on `trx` when given. */
  numberUrl(trx: Trx | undefined, projectId: string, number: string): Promise<string | null>;
}) {
  const isPublic = (type: string) =>
    type.startsWith('message.') && PUBLIC.has(type.slice('message.'.length));

  /** Where a public event of `message` goes: its callback, else its number's URL (else the project's). */
  async function urlsOf(trx: Trx | undefined, message: MessageRow) {
    const ownNumber = message.direction === 'outbound' ? message.from_addr : message.to_addr;
    // The number's URL matters only without a status_callback, and only real numbers have one.
    const numberUrl =
      message.status_callback || !ownNumber.startsWith('+')
        ? null
        : await deps.numberUrl(trx, message.project_id, ownNumber);
    return [message.status_callback, numberUrl];
  }

  const appendInput = (entries: MessageEventEntry[]) => ({
    projectId: entries[0].message.project_id,
    streamType: 'message',
    streamId: entries[0].message.id,
    events: entries.map(({ message, type, extra }) => ({
      type,
      data: { ...messageView(message), ...extra },
    })),
  });

  /**
   * Several events of one message and their webhooks, in `trx`, in one statement, with the
   * caller's `writes` (UPDATEs of the rows the events are about) in the same statement.
   */
  const recordMany = (trx: Trx, entries: MessageEventEntry[], writes: SqlFragment[] = []) =>
    recordForMessages(trx, [entries], writes);

  /**
   * The same as CTEs for a caller's WITH clause, written only if the caller's CTE `onlyIf`
   * has a row; the caller's final SELECT must read `<name>` (it reads the webhooks' wake-ups).
   * `trx` (if any) serves cache misses of the number's URL.
   */
  async function recordManySql(
    trx: Trx | undefined,
    entries: MessageEventEntry[],
    options: { onlyIf: string; name: string },
  ): Promise<SqlFragment> {
    const append = deps.events.appendSql(appendInput(entries), { onlyIf: options.onlyIf });
    const ctes = [`${options.name}_events as (${append.sql})`];
    const bindings = [...append.bindings];
    const reads: string[] = [];
    for (const [i, { message, type }] of entries.entries()) {
      if (!isPublic(type)) continue;
      const event = append.events[i];
      const name = `${options.name}_w${i}`;
      const webhook = await deps.scheduleWebhook.sql(
        {
          projectId: message.project_id,
          event: { id: event.id, type, createdAt: event.createdAt, data: messageView(message) },
          urls: await urlsOf(trx, message),
        },
        { onlyIf: options.onlyIf, name, trx },
      );
      if (!webhook) continue;
      ctes.push(webhook.sql);
      bindings.push(...webhook.bindings);
      reads.push(`select 1 from ${name}`);
    }
    ctes.push(
      `${options.name} as (${reads.length > 0 ? reads.join(' union all ') : 'select 1 where false'})`,
    );
    return { sql: ctes.join(',\n'), bindings };
  }

  /**
   * The events of several messages (`groups`, one list per message) and their webhooks, with
   * the caller's `writes`, in one statement (batched receipts). Prepared for one message; a
   * batch's text depends on the batch, so it is not.
   */
  async function recordForMessages(
    trx: Trx,
    groups: MessageEventEntry[][],
    writes: SqlFragment[] = [],
  ): Promise<void> {
    const recorded: SqlFragment[] = [];
    const counted: string[] = [];
    for (const [i, entries] of groups.entries()) {
      if (entries.length === 0) continue;
      const name = `recorded${i}`;
      recorded.push(await recordManySql(trx, entries, { onlyIf: 'always', name }));
      counted.push(name);
    }
    if (writes.length === 0 && recorded.length === 0) return;
    const ctes = writes.map((write, i) => cte(`write${i}`, write));
    if (recorded.length > 0) ctes.push(ALWAYS, ...recorded);
    await runCtes(trx, ctes, counted, { prepare: groups.length <= 1 });
  }

  const recordMessageEvent = (
    trx: Trx,
    message: MessageRow,
    type: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> => recordMany(trx, [{ message, type, extra }]);
  return Object.assign(recordMessageEvent, {
    many: recordMany,
    sql: recordManySql,
    forMessages: recordForMessages,
  });
}

export type RecordMessageEvent = ReturnType<typeof createMessageEvents>;
