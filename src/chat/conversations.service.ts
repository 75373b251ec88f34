import { ForbiddenError, refuseField, type Trx } from '../platform/index.js';
import { accessConversation, requireAdmin, requireNotArchived, type Actor } from './access.js';
import type { RecordChanges } from './chat-log.js';
import type { ChatContext } from './context.js';
import type { ConversationRow, MemberRow } from './conversations.store.js';
import { directKeyOf, refuseReservedIdentity } from './identity.js';
import { memberJoined, memberRowOf } from './member-rows.js';
import { conversationView, memberView } from './views.js';

/** A member as given at creation: an identity, optionally with its role. */
export type MemberSpec = string | { identity: string; role?: 'admin' | 'member' };

export interface CreateConversationInput {
  type: 'direct' | 'group';
  name?: string;
  attributes?: Record<string, unknown>;
  members?: MemberSpec[];
}

/** The members a conversation starts with; a user creating a group becomes its admin. */
export function initialMembers(actor: Actor, input: CreateConversationInput) {
  const roles = new Map<string, 'admin' | 'member'>();
  for (const spec of input.members ?? []) {
    const { identity, role } =
      typeof spec === 'string' ? { identity: spec, role: undefined } : spec;
    roles.set(
      identity,
      input.type === 'direct' ? 'member' : (role ?? roles.get(identity) ?? 'member'),
    );
  }
  if (actor.identity) roles.set(actor.identity, input.type === 'direct' ? 'member' : 'admin');
  return [...roles].map(([identity, role]) => ({ identity, role }));
}

export type ConversationsService = ReturnType<typeof createConversationsService>;

/** Create, read, rename and archive conversations. */
export function createConversationsService(ctx: ChatContext) {
  const { conversations: store } = ctx;

  async function membersView(actor: Actor, rows: MemberRow[]) {
    const hidden = await ctx.identities.privateReaders(
      actor.projectId,
      rows.map((r) => r.identity),
    );
    return rows.map((r) =>
      memberView(
        r,
        hidden.has(r.identity) && actor.identity !== r.identity && actor.identity !== null,
      ),
    );
  }

  async function unreadOf(actor: Actor, ids: string[]) {
    if (!actor.identity) return null;
    return ctx.messages.unreadCounts(actor.projectId, actor.identity, ids);
  }

  async function insertConversation(
    trx: Trx,
    actor: Actor,
    input: CreateConversationInput,
    directKey: string | null,
  ) {
    const now = ctx.clock.now();
    return store.insert(trx, {
      id: ctx.ids('conv'),
      project_id: actor.projectId,
      type: input.type,
      name: input.name ?? null,
      attributes: input.attributes ?? {},
      direct_key: directKey,
      created_by: actor.identity,
      created_at: now,
      updated_at: now,
    });
  }

  /**
   * Asking for a direct pair again brings back whichever of the two left (or was removed by
   * the operator), into the same conversation with its history: the pair has one direct
   * conversation, and without this its leaver could never talk to the other directly again.
   * The rejoin is announced like any added member, so realtime and webhooks learn it.
   */
  async function rejoinDirect(
    trx: Trx,
    record: RecordChanges,
    actor: Actor,
    conversationId: string,
    pair: Array<{ identity: string; role: 'admin' | 'member' }>,
  ) {
    await store.lock(trx, actor.projectId, conversationId);
    const present = new Set((await store.members(trx, conversationId)).map((m) => m.identity));
    const missing = pair.filter((m) => !present.has(m.identity));
    if (missing.length === 0) return;
    const now = ctx.clock.now();
    const inserted = await store.insertMembers(
      trx,
      missing.map((m) =>
        memberRowOf(actor.projectId, conversationId, { identity: m.identity }, now),
      ),
    );
    await record(
      { projectId: actor.projectId, id: conversationId },
      inserted.map((row) => memberJoined(row, actor.identity)),
    );
  }

  async function create(actor: Actor, input: CreateConversationInput) {
    const members = initialMembers(actor, input);
    for (const m of members) refuseReservedIdentity('/members', m.identity);
    if (input.type === 'direct' && members.length !== 2) {
      refuseField(
        '/members',
        'direct_needs_two',
        'A direct conversation has exactly two distinct identities.',
      );
    }
    if (members.length > ctx.limits.maxMembers) {
      refuseField(
        '/members',
        'too_many_members',
        `A conversation has at most ${ctx.limits.maxMembers} members.`,
      );
    }
    const directKey =
      input.type === 'direct' ? directKeyOf(members[0].identity, members[1].identity) : null;
    const result = await ctx.log.commit(async (trx, record) => {
      if (directKey) {
        await store.lockDirectKey(trx, actor.projectId, directKey);
        const existing = await store.findDirect(trx, actor.projectId, directKey);
        if (existing) {
          await rejoinDirect(trx, record, actor, existing.id, members);
          return { row: existing, created: false };
        }
      }
      const row = await insertConversation(trx, actor, input, directKey);
      const now = ctx.clock.now();
      await store.insertMembers(
        trx,
        members.map((m) => memberRowOf(actor.projectId, row.id, m, now)),
      );
      await record({ projectId: actor.projectId, id: row.id }, [
        { type: 'conversation.created', data: { ...conversationView(row), members } },
      ]);
      return { row, created: true };
    });
    return { conversation: await get(actor, result.row.id), created: result.created };
  }

  async function get(actor: Actor, id: string) {
    const { conversation } = await accessConversation(store, null, actor, id, ctx.db);
    const members = await membersView(actor, await store.members(ctx.db, id));
    const unread = await unreadOf(actor, [id]);
    return conversationView(conversation, {
      members,
      ...(unread ? { unread_count: unread.get(id) ?? 0 } : {}),
    });
  }

  async function listViews(actor: Actor, rows: ConversationRow[]) {
    const unread = await unreadOf(
      actor,
      rows.map((r) => r.id),
    );
    return rows.map((r) =>
      conversationView(r, unread ? { unread_count: unread.get(r.id) ?? 0 } : {}),
    );
  }

  async function update(
    actor: Actor,
    id: string,
    patch: { name?: string | null; attributes?: Record<string, unknown> },
  ) {
    await ctx.log.commit(async (trx, record) => {
      const access = await accessConversation(store, trx, actor, id, ctx.db);
      requireAdmin(access);
      requireNotArchived(access);
      const row = await store.update(trx, id, { ...patch, updated_at: ctx.clock.now() });
      await record({ projectId: actor.projectId, id }, [
        { type: 'conversation.updated', data: conversationView(row) },
      ]);
    });
    return get(actor, id);
  }

  async function archive(actor: Actor, id: string) {
    await ctx.log.commit(async (trx, record) => {
      const access = await accessConversation(store, trx, actor, id, ctx.db);
      if (access.conversation.type === 'group') requireAdmin(access);
      if (access.conversation.archived_at) return;
      const now = ctx.clock.now();
      const row = await store.update(trx, id, { archived_at: now, updated_at: now });
      await store.unbindSms(trx, id);
      await record({ projectId: actor.projectId, id }, [
        { type: 'conversation.archived', data: conversationView(row) },
      ]);
    });
    return get(actor, id);
  }

  function requireIdentityOrOperator(actor: Actor, identity: string | undefined): string | null {
    if (actor.identity && identity && identity !== actor.identity) {
      throw new ForbiddenError('A user token lists only its own conversations.');
    }
    return actor.identity ?? identity ?? null;
  }

  const settings = {
    get: (projectId: string, identity: string) => ctx.identities.settingsOf(projectId, identity),
    save: (projectId: string, identity: string, readReceiptsPrivate: boolean) =>
      ctx.identities.saveSettings(projectId, identity, readReceiptsPrivate, ctx.clock.now()),
  };

  return {
    create,
    get,
    update,
    archive,
    listViews,
    membersView,
    requireIdentityOrOperator,
    settings,
  };
}
