import { ConflictError, NotFoundError, UnprocessableError } from '../platform/index.js';
import {
  appendMessageRows,
  appendMessagesAlone,
  type AppendResult,
  type NewMessage,
} from './append-message.store.js';
import { archivedError } from './access.js';
import type { ChatContext } from './context.js';
import type { MessageRow } from './messages.store.js';
import { queueSmsCopies } from './sms.js';

/** A message as appended: the new row, or the first one sent with its client_id. */
export interface Appended {
  row: MessageRow;
  created: boolean;
}

interface Job {
  message: NewMessage;
  resolve(appended: Appended): void;
  reject(err: unknown): void;
}

/** Most messages of one conversation written in one transaction. */
const MAX_BATCH = 100;

export type MessageWriter = ReturnType<typeof createMessageWriter>;

/**
 * Writes new messages, one transaction at a time per conversation in this process (group
 * commit). A message for a conversation with no write in flight starts at once; messages that
 * arrive while one is in flight wait in memory (not in a pooled connection waiting on the
 * conversation's lock) and then go together: one lock and one statement that inserts the rows
 * and an event per message (one round trip), then one commit. Each message still gets its own outcome: one refused
 * message does not refuse the others, and a batch that fails as a whole is retried one
 * message at a time. Across processes the conversation's lock keeps writers in order.
 */
export function createMessageWriter(ctx: ChatContext) {
  const queues = new Map<string, Job[]>();

  /**
   * What the sender gets. A duplicate's first message is read after the commit, outside the
   * conversation's lock: the append saw it committed, so any connection finds it.
   */
  async function outcomeOf(
    conversationId: string,
    message: NewMessage,
    result: AppendResult,
  ): Promise<Appended | Error> {
    switch (result.kind) {
      case 'created':
        return { row: result.row, created: true };
      case 'not_found':
        return new NotFoundError('Conversation');
      case 'archived':
        return archivedError();
      case 'unknown_reply_to':
        return new UnprocessableError(
          'reply_to is not a message of this conversation.',
          'unknown_reply_to',
        );
      case 'duplicate': {
        const first = await ctx.messages.findByClientId(
          ctx.db,
          conversationId,
          message.author,
          message.clientId!,
        );
        if (first) return { row: first, created: false };
        return new ConflictError('A concurrent send used this client_id.', 'client_id_conflict');
      }
    }
  }

  /**
   * One transaction: rows and one event per new message (one statement, see
   * `appendMessageRows`), their webhooks, SMS copies (only for a conversation with phone
   * members). Nothing else waits for the database while the conversation's lock is held. A
   * batch that needs no webhook goes first as one round trip (`appendMessagesAlone`), and
   * through the transaction below only when the conversation turns out to need SMS copies.
   */
  async function commit(conversationId: string, messages: NewMessage[]): Promise<AppendResult[]> {
    const events = { ids: messages.map(() => ctx.ids('evt')), createdAt: ctx.clock.now() };
    // Nothing but the append to do (no webhook; SMS copies make the statement refuse): the
    // whole transaction in one round trip.
    if (!(await ctx.log.messagesNeedWebhooks(messages.map((m) => m.projectId)))) {
      const alone = await appendMessagesAlone(ctx.db, conversationId, messages, events);
      if (alone) {
        ctx.log.announce(alone.events);
        return alone.results;
      }
    }
    return ctx.log.commit(async (trx, _record, recordAppended) => {
      const appended = await appendMessageRows(trx, conversationId, messages, events);
      const { results, phones } = appended;
      await recordAppended(appended.events);
      if (phones.length > 0) {
        for (const result of results) {
          if (result.kind === 'created') await queueSmsCopies(ctx, trx, result.row, phones);
        }
      }
      return results;
    });
  }

  /** Commits a batch; a batch that fails as a whole is retried one message at a time. */
  async function run(conversationId: string, batch: Job[]): Promise<void> {
    let results: AppendResult[];
    try {
      results = await commit(
        conversationId,
        batch.map((j) => j.message),
      );
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      for (const job of batch) await run(conversationId, [job]);
      return;
    }
    // Not awaited: the conversation's next batch need not wait for a duplicate's read.
    batch.forEach((job, i) => {
      void outcomeOf(conversationId, job.message, results[i]).then(
        (outcome) => (outcome instanceof Error ? job.reject(outcome) : job.resolve(outcome)),
        (err: unknown) => job.reject(err),
      );
    });
  }

  /** The next batch, in arrival order; a repeated (author, client_id) waits for the next one. */
  function takeBatch(queue: Job[]): Job[] {
    const batch: Job[] = [];
    const rest: Job[] = [];
    const keys = new Set<string>();
    for (const job of queue) {
      const { author, clientId } = job.message;
      const key = clientId === null ? null : `${author}\n${clientId}`;
      if (batch.length >= MAX_BATCH || (key !== null && keys.has(key))) {
        rest.push(job);
        continue;
      }
      if (key !== null) keys.add(key);
      batch.push(job);
    }
    queue.splice(0, queue.length, ...rest);
    return batch;
  }

  async function drain(conversationId: string, queue: Job[]): Promise<void> {
    try {
      while (queue.length > 0) await run(conversationId, takeBatch(queue));
    } catch (err) {
      for (const job of queue.splice(0)) job.reject(err);
    } finally {
      queues.delete(conversationId);
    }
  }

  return {
    /** Appends a message to a conversation; resolves once it is committed (or refused). */
    append(conversationId: string, message: NewMessage): Promise<Appended> {
      return new Promise((resolve, reject) => {
        const job = { message, resolve, reject };
        const queue = queues.get(conversationId);
        if (queue) {
          queue.push(job);
          return;
        }
        const fresh = [job];
        queues.set(conversationId, fresh);
        void drain(conversationId, fresh);
      });
    },
  };
}
