import type { Db, Trx } from '../platform/index.js';

export interface MessageRow {
  id: string;
  project_id: string;
  conversation_id: string;
  seq: number;
  author: string;
  body: string | null;
  attachments: string[];
  mentions: string[];
  reply_to: string | null;
  forwarded_from: string | null;
  client_id: string | null;
  source: 'chat' | 'sms';
  pinned_at: Date | null;
  pinned_by: string | null;
  edited_at: Date | null;
  deleted_at: Date | null;
  created_at: Date;
}

/** Reactions on one message, grouped by emoji (oldest reaction first). */
export interface ReactionSummary {
  emoji: string;
  count: number;
  identities: string[];
}

type Conn = Db | Trx;

/** Search filters; `identity` limits results to its conversations (a user token). */
export interface SearchFilters {
  q: string;
  identity?: string;
  conversationId?: string;
  sender?: string;
  hasAttachment?: boolean;
  mentions?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

/** The columns of a MessageRow. */
export const MESSAGE_COLUMNS = [
  'id',
  'project_id',
  'conversation_id',
  'seq',
  'author',
  'body',
  'attachments',
  'mentions',
  'reply_to',
  'forwarded_from',
  'client_id',
  'source',
  'pinned_at',
  'pinned_by',
  'edited_at',
  'deleted_at',
  'created_at',
];

/** The only place knex touches chat_messages, chat_reactions and chat_sms_sends. */
export function createMessagesStore(db: Db) {
  return {
    findByClientId: async (conn: Conn, conversationId: string, author: string, clientId: string) =>
      (await conn('chat_messages')
        .select(MESSAGE_COLUMNS)
        .where({ conversation_id: conversationId, author, client_id: clientId })
        .first()) as MessageRow | undefined,

    find: async (conn: Conn, projectId: string, conversationId: string, id: string) =>
      (await conn('chat_messages')
        .select(MESSAGE_COLUMNS)
        .where({ project_id: projectId, conversation_id: conversationId, id })
        .first()) as MessageRow | undefined,

    /** The messages among `ids` that were edited or deleted, as they are now (realtime replay). */
    changedAmong: async (projectId: string, ids: string[]) =>
      (await db('chat_messages')
        .select(MESSAGE_COLUMNS)
        .where({ project_id: projectId })
        .whereIn('id', ids)
        .where((q) => q.whereNotNull('edited_at').orWhereNotNull('deleted_at'))) as MessageRow[],

    /** Messages by seq: newest first, or oldest first after `after`. */
    list(
      projectId: string,
      conversationId: string,
      page: { before?: number; after?: number; limit: number },
    ) {
      const query = db<MessageRow>('chat_messages')
        .select(MESSAGE_COLUMNS)
        .where({ project_id: projectId, conversation_id: conversationId })
        .limit(page.limit + 1);
      if (page.before !== undefined) query.where('seq', '<', page.before);
      if (page.after !== undefined) query.where('seq', '>', page.after).orderBy('seq', 'asc');
      else query.orderBy('seq', 'desc');
      return query as unknown as Promise<MessageRow[]>;
    },

    async update(trx: Trx, id: string, patch: Partial<MessageRow>) {
      const [row] = await trx('chat_messages')
        .where({ id })
        .update(patch)
        .returning(MESSAGE_COLUMNS);
      return row as MessageRow;
    },

    async addReaction(
      trx: Trx,
      row: {
        message_id: string;
        identity: string;
        emoji: string;
        project_id: string;
        conversation_id: string;
        created_at: Date;
      },
    ) {
      const inserted = await trx('chat_reactions')
        .insert(row)
        .onConflict()
        .ignore()
        .returning('emoji');
      return inserted.length > 0;
    },

    async removeReaction(trx: Trx, messageId: string, identity: string, emoji: string) {
      return (
        (await trx('chat_reactions').where({ message_id: messageId, identity, emoji }).delete()) > 0
      );
    },

    /** Reactions of the given messages, grouped per message and emoji (in `conn`'s view). */
    async reactionsOf(
      messageIds: string[],
      conn: Conn = db,
    ): Promise<Map<string, ReactionSummary[]>> {
      const result = new Map<string, ReactionSummary[]>();
      if (messageIds.length === 0) return result;
      const rows = (await conn('chat_reactions')
        .whereIn('message_id', messageIds)
        .orderBy('created_at')
        .orderBy('identity')) as Array<{ message_id: string; identity: string; emoji: string }>;
      for (const row of rows) {
        const list = result.get(row.message_id) ?? [];
        let entry = list.find((r) => r.emoji === row.emoji);
        if (!entry) list.push((entry = { emoji: row.emoji, count: 0, identities: [] }));
        entry.count += 1;
        entry.identities.push(row.identity);
        result.set(row.message_id, list);
      }
      return result;
    },

    /**
     * Unread per conversation of an identity: others' live messages past its read horizon.
     * Without `conversationIds`, of its conversations that are not archived (the totals of
     * `GET /v1/unread`); the conversations named are counted archived or not (a list with
     * `include_archived`, a mark-read).
     */
    async unreadCounts(projectId: string, identity: string, conversationIds?: string[]) {
      const query = db('conversation_members as m')
        .join('conversations as c', 'c.id', 'm.conversation_id')
        .leftJoin('chat_messages as x', function () {
          this.on('x.conversation_id', 'm.conversation_id')
            .andOn('x.seq', '>', 'm.last_read_seq')
            .andOn('x.author', '<>', 'm.identity')
            .andOnNull('x.deleted_at');
        })
        .where({ 'm.project_id': projectId, 'm.identity': identity })
        .groupBy('m.conversation_id')
        .select('m.conversation_id', db.raw('count(x.id)::int as unread'));
      if (conversationIds) query.whereIn('m.conversation_id', conversationIds);
      else query.whereNull('c.archived_at');
      const rows = (await query) as Array<{ conversation_id: string; unread: number }>;
      return new Map(rows.map((r) => [r.conversation_id, Number(r.unread)]));
    },

    /** True when `fileId` is attached to a message of a conversation `identity` belongs to. */
    async fileVisibleTo(projectId: string, fileId: string, identity: string): Promise<boolean> {
      const row = await db('chat_messages as x')
        .join('conversation_members as m', 'm.conversation_id', 'x.conversation_id')
        .where({ 'x.project_id': projectId, 'm.identity': identity })
        .whereRaw('x.attachments @> array[?]::text[]', [fileId])
        .whereNull('x.deleted_at')
        .first('x.id');
      return row !== undefined;
    },

    /** Full-text search over live messages; with `identity`, only its conversations. */
    searchQuery(projectId: string, filters: SearchFilters) {
      const query = db('chat_messages as x')
        .select(MESSAGE_COLUMNS.map((c) => `x.${c}`))
        .where('x.project_id', projectId)
        .whereNull('x.deleted_at')
        .whereRaw(`x.search @@ websearch_to_tsquery('simple', ?)`, [filters.q]);
      if (filters.identity) {
        query.whereExists(
          db('conversation_members as m')
            .select(db.raw('1'))
            .whereRaw('m.conversation_id = x.conversation_id')
            .where('m.identity', filters.identity),
        );
      }
      if (filters.conversationId) query.where('x.conversation_id', filters.conversationId);
      if (filters.sender) query.where('x.author', filters.sender);
      if (filters.hasAttachment !== undefined) {
        query.whereRaw(`cardinality(x.attachments) ${filters.hasAttachment ? '>' : '='} 0`);
      }
      if (filters.mentions) query.whereRaw('x.mentions @> array[?]::text[]', [filters.mentions]);
      if (filters.createdAfter) query.where('x.created_at', '>=', filters.createdAfter);
      if (filters.createdBefore) query.where('x.created_at', '<', filters.createdBefore);
      return query;
    },

    async recordSmsSend(row: {
      message_id: string;
      phone_number: string;
      project_id: string;
      sms_id: string;
    }) {
      await db('chat_sms_sends').insert(row).onConflict().ignore();
    },

    smsSent: async (messageId: string, phoneNumber: string) =>
      (await db('chat_sms_sends')
        .where({ message_id: messageId, phone_number: phoneNumber })
        .first()) !== undefined,
  };
}

export type MessagesStore = ReturnType<typeof createMessagesStore>;
