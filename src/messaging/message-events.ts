import type { EventStore } from '../events/index.js';
import { afterCommit, cte, runCtes, type SqlFragment, type Trx } from '../platform/index.js';
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

/**
 * The events of several messages and their webhooks as CTEs for a caller's statement. With
 * `handOff`, the webhooks may go to this process's dispatcher: once the statement has
 * committed, the caller calls `adopt` with the ids of the messages whose events it appended
 * (all, without an argument); see `scheduleWebhook.manySql`.
 */
export interface RecordedSet extends SqlFragment {
  adopt(messageIds?: ReadonlySet<string>): void;
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

  /** One message's entries as an append; `views` holds each entry's message view. */
  const appendInput = (
    entries: readonly MessageEventEntry[],
    views: ReadonlyArray<ReturnType<typeof messageView>>,
  ) => ({
    projectId: entries[0].message.project_id,
    streamType: 'message',
    streamId: entries[0].message.id,
    events: entries.map(({ type, extra }, i) => ({ type, data: { ...views[i], ...extra } })),
  });

  /**
   * Several events of one message and their webhooks, in `trx`, in one statement, with the
   * caller's `writes` (UPDATEs of the rows the events are about) in the same statement.
   */
  const recordMany = (trx: Trx, entries: MessageEventEntry[], writes: SqlFragment[] = []) =>
    recordForMessages(trx, [entries], writes);

  /**
   * The events of several messages (`groups`, one list per message) and their webhooks as
   * CTEs for a caller's WITH clause: `<name>_events` appends them, `<name>_deliveries`
   * schedules the webhooks of the public ones, `<name>` wakes the dispatchers and must be read
   * by the caller's final SELECT. With `onlyFor`, only the messages whose id the caller's CTE
   * of that name returns (as `id`) get theirs. The text is the same for any batch, so the
   * statement is planned once per connection. `trx` (if any) serves cache misses of the
   * number's URL.
   */
  async function recordSetSql(
    trx: Trx | undefined,
    groups: ReadonlyArray<readonly MessageEventEntry[]>,
    options: { onlyFor?: string; name: string; handOff?: boolean },
  ): Promise<RecordedSet> {
    const streams = groups.filter((entries) => entries.length > 0);
    // Each view is built once: the event's data and its webhook's data both start from it.
    const views = streams.map((entries) => entries.map(({ message }) => messageView(message)));
    const append = deps.events.appendStreamsSql(
      streams.map((entries, s) => appendInput(entries, views[s])),
      { onlyFor: options.onlyFor },
    );
    const webhooks = [];
    /** Message id by event id, so `adopt` can name the messages whose events were appended. */
    const messageOf = new Map<string, string>();
    for (const [s, entries] of streams.entries()) {
      for (const [i, { message, type }] of entries.entries()) {
        if (!isPublic(type)) continue;
        const event = append.events[s][i];
        messageOf.set(event.id, message.id);
        webhooks.push({
          projectId: message.project_id,
          event: { id: event.id, type, createdAt: event.createdAt, data: views[s][i] },
          urls: await urlsOf(trx, message),
        });
      }
    }
    const deliveries = await deps.scheduleWebhook.manySql(webhooks, {
      forEventsOf: `${options.name}_events`,
      name: options.name,
      trx,
      handOff: options.handOff,
    });
    return {
      sql: `${options.name}_events as (${append.sql}),\n${deliveries.sql}`,
      bindings: [...append.bindings, ...deliveries.bindings],
      adopt(messageIds) {
        if (!messageIds) return deliveries.adopt();
        const events = [...messageOf].filter(([, id]) => messageIds.has(id)).map(([e]) => e);
        deliveries.adopt(new Set(events));
      },
    };
  }

  /**
   * The events of several messages (`groups`, one list per message) and their webhooks, with
   * the caller's `writes`, in one statement (batched receipts, `sent`). Its text depends only
   * on the writes' texts, yet it is not prepared: a prepared statement's plan is made once,
   * after its fifth run, and kept for the connection's life. Made while `messages` and
   * `message_parts` were small (a new database's first minute), it scanned both tables in
   * full for every batch of receipts as they grew (auto_explain in the `sms` benchmark: 2 ×
   * 14,660 rows read for 24, 22 of the statement's 27 ms). Planned on each run, it probes the
   * primary keys at any size, for a fraction of a millisecond of planning per batch.
   */
  async function recordForMessages(
    trx: Trx,
    groups: ReadonlyArray<readonly MessageEventEntry[]>,
    writes: SqlFragment[] = [],
  ): Promise<void> {
    if (writes.length === 0 && groups.every((entries) => entries.length === 0)) return;
    const recorded = await recordSetSql(trx, groups, { name: 'recorded', handOff: true });
    await runCtes(
      trx,
      [...writes.map((write, i) => cte(`write${i}`, write)), recorded],
      ['recorded'],
      { prepare: false },
    );
    // Every event was appended; the webhooks are this process's once the transaction commits.
    afterCommit(trx, () => recorded.adopt());
  }

  const recordMessageEvent = (
    trx: Trx,
    message: MessageRow,
    type: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> => recordMany(trx, [{ message, type, extra }]);
  return Object.assign(recordMessageEvent, {
    many: recordMany,
    setSql: recordSetSql,
    forMessages: recordForMessages,
  });
}

export type RecordMessageEvent = ReturnType<typeof createMessageEvents>;
