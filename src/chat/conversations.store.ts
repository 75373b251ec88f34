import type { Knex } from 'knex';
import type { Db, Trx } from '../platform/index.js';

export interface ConversationRow {
  id: string;
  project_id: string;
  type: 'direct' | 'group';
  name: string | null;
  attributes: Record<string, unknown>;
  direct_key: string | null;
  last_seq: number;
  created_by: string | null;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface MemberRow {
  conversation_id: string;
  identity: string;
  project_id: string;
  role: 'admin' | 'member';
  kind: 'chat' | 'sms';
  phone_number: string | null;
  proxy_number: string | null;
  last_read_seq: number;
  last_read_message_id: string | null;
  joined_at: Date;
}

type Conn = Db | Trx;

/**
 * Takes the conversation's advisory lock until the transaction ends. Every writer of a
 * conversation takes it first: it assigns no transaction id, so writers of one conversation
 * get their xids in lock order, the event log's (xid, position) order then matches `seq`, and
 * realtime delivers a conversation's messages in seq order.
 */
export async function lockConversationKey(trx: Trx, id: string): Promise<void> {
  await trx.raw(lockConversationSql('?'), [id]);
}

/** The statement `lockConversationKey` runs, for a conversation id given as SQL text. */
export function lockConversationSql(idSql: string): string {
  return `select pg_advisory_xact_lock(hashtextextended(${idSql}, 1))`;
}

/** The only place knex touches conversations, their members and SMS bindings. */
export function createConversationsStore(db: Db) {
  return {
    async insert(trx: Trx, row: Omit<ConversationRow, 'last_seq' | 'archived_at'>) {
      const [inserted] = await trx('conversations')
        .insert({ ...row, last_seq: 0 })
        .returning('*');
      return inserted as ConversationRow;
    },

    /** Serialises creators of the same direct pair until the transaction ends. */
    lockDirectKey: (trx: Trx, projectId: string, directKey: string) =>
      trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [
        `${projectId}\n${directKey}`,
      ]),

    findDirect: (conn: Conn, projectId: string, directKey: string) =>
      conn<ConversationRow>('conversations')
        .where({ project_id: projectId, direct_key: directKey })
        .whereNull('archived_at')
        .first(),

    find: (conn: Conn, projectId: string, id: string) =>
      conn<ConversationRow>('conversations').where({ project_id: projectId, id }).first(),

    /**
     * Locks the conversation: every change to a conversation holds it (seq, stream versions),
     * the advisory lock first (see `lockConversationKey`), then the row.
     */
    async lock(trx: Trx, projectId: string, id: string) {
      await lockConversationKey(trx, id);
      return trx<ConversationRow>('conversations')
        .where({ project_id: projectId, id })
        .forUpdate()
        .first();
    },

    async update(trx: Trx, id: string, patch: Partial<ConversationRow>) {
      const [row] = await trx('conversations').where({ id }).update(patch).returning('*');
      return row as ConversationRow;
    },

    /** Conversations of a project, or of one identity when given; archived ones only on request. */
    listQuery(projectId: string, filters: { identity?: string; includeArchived: boolean }) {
      const query = db<ConversationRow>('conversations as c')
        .select('c.*')
        .where('c.project_id', projectId);
      if (!filters.includeArchived) query.whereNull('c.archived_at');
      if (filters.identity) {
        query.whereExists(function (this: Knex.QueryBuilder) {
          this.select(db.raw('1'))
            .from('conversation_members as m')
            .whereRaw('m.conversation_id = c.id')
            .where('m.identity', filters.identity!);
        });
      }
      return query;
    },

    async insertMembers(
      trx: Trx,
      rows: Array<Omit<MemberRow, 'last_read_seq' | 'last_read_message_id'>>,
    ) {
      if (rows.length === 0) return [] as MemberRow[];
      return (await trx('conversation_members')
        .insert(rows)
        .onConflict(['conversation_id', 'identity'])
        .ignore()
        .returning('*')) as MemberRow[];
    },

    findMember: (conn: Conn, conversationId: string, identity: string) =>
      conn<MemberRow>('conversation_members')
        .where({ conversation_id: conversationId, identity })
        .first(),

    members: (conn: Conn, conversationId: string) =>
      conn<MemberRow>('conversation_members')
        .where({ conversation_id: conversationId })
        .orderBy('joined_at')
        .orderBy('identity'),

    async countMembers(trx: Trx, conversationId: string): Promise<number> {
      const row = await trx('conversation_members')
        .where({ conversation_id: conversationId })
        .count<{ count: string }>('* as count')
        .first();
      return Number(row?.count ?? 0);
    },

    deleteMember: (trx: Trx, conversationId: string, identity: string) =>
      trx('conversation_members').where({ conversation_id: conversationId, identity }).delete(),

    /** Moves a read horizon forward only; false when `seq` is not past the current one. */
    async advanceRead(
      trx: Trx,
      conversationId: string,
      identity: string,
      seq: number,
      messageId: string,
    ) {
      const updated = await trx('conversation_members')
        .where({ conversation_id: conversationId, identity })
        .where('last_read_seq', '<', seq)
        .update({ last_read_seq: seq, last_read_message_id: messageId });
      return updated > 0;
    },

    /** Every conversation an identity belongs to, archived ones too, each with whether it is. */
    async membershipOf(projectId: string, identity: string) {
      const rows = await db('conversation_members as m')
        .join('conversations as c', 'c.id', 'm.conversation_id')
        .where({ 'm.project_id': projectId, 'm.identity': identity })
        .select('m.conversation_id', db.raw('c.archived_at is not null as archived'));
      return rows.map((r: { conversation_id: string; archived: boolean }) => ({
        conversationId: r.conversation_id,
        archived: r.archived,
      }));
    },

    /** The archived conversations among `ids`. */
    async archivedAmong(projectId: string, ids: string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await db('conversations')
        .where({ project_id: projectId })
        .whereIn('id', ids)
        .whereNotNull('archived_at')
        .select('id');
      return rows.map((r: { id: string }) => r.id);
    },

    /** Binds (phone, proxy) to a conversation; false when another conversation holds the pair. */
    async bindSms(
      trx: Trx,
      row: {
        project_id: string;
        phone_number: string;
        proxy_number: string;
        conversation_id: string;
      },
    ) {
      const inserted = await trx('chat_sms_bindings')
        .insert(row)
        .onConflict()
        .ignore()
        .returning('conversation_id');
      return inserted.length > 0;
    },

    unbindSms: (trx: Trx, conversationId: string, phoneNumber?: string) => {
      const query = trx('chat_sms_bindings').where({ conversation_id: conversationId });
      if (phoneNumber) query.where({ phone_number: phoneNumber });
      return query.delete();
    },

    findSmsBinding: async (
      projectId: string,
      phoneNumber: string,
      proxyNumber: string,
      trx: Trx | Db = db,
    ) =>
      (await trx('chat_sms_bindings')
        .where({ project_id: projectId, phone_number: phoneNumber, proxy_number: proxyNumber })
        .first('conversation_id')) as { conversation_id: string } | undefined,
  };
}

export type ConversationsStore = ReturnType<typeof createConversationsStore>;
