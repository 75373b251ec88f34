import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../platform/index.js';
import { accessConversation, requireAdmin, requireNotArchived, type Actor } from './access.js';
import type { ChatContext } from './context.js';
import { isEmoji } from './emoji.js';
import type { MessagesService } from './messages.service.js';
import { messageView } from './views.js';

/** Reactions, pins, forwarding and read horizons: what members do to existing messages. */
export function createMessageActions(ctx: ChatContext, messagesService: MessagesService) {
  const { conversations, messages } = ctx;

  function identityOf(actor: Actor): string {
    if (!actor.identity)
      throw new ForbiddenError(
        'This action needs a user token (an identity).',
        'identity_required',
      );
    return actor.identity;
  }

  async function react(
    actor: Actor,
    conversationId: string,
    messageId: string,
    emoji: string,
    add: boolean,
  ) {
    const identity = identityOf(actor);
    if (!isEmoji(emoji)) {
      throw new ValidationError('The reaction must be a single emoji.', [
        { path: '/params/emoji', message: 'is not an emoji' },
      ]);
    }
    const row = await ctx.log.commit(async (trx, record) => {
      const { access, row } = await messagesService.loadMessage(
        trx,
        actor,
        conversationId,
        messageId,
      );
      requireNotArchived(access);
      if (row.deleted_at) throw new ConflictError('The message was deleted.', 'message_deleted');
      const changed = add
        ? await messages.addReaction(trx, {
            message_id: messageId,
            identity,
            emoji,
            project_id: actor.projectId,
            conversation_id: conversationId,
            created_at: ctx.clock.now(),
          })
        : await messages.removeReaction(trx, messageId, identity, emoji);
      if (changed) {
        await record({ projectId: actor.projectId, id: conversationId }, [
          {
            type: add ? 'conversation.reaction.added' : 'conversation.reaction.removed',
            data: { conversation_id: conversationId, message_id: messageId, emoji, identity },
          },
        ]);
      }
      return row;
    });
    return messagesService.withReactions(row);
  }

  async function pin(actor: Actor, conversationId: string, messageId: string, pinned: boolean) {
    const row = await ctx.log.commit(async (trx, record) => {
      const { access, row } = await messagesService.loadMessage(
        trx,
        actor,
        conversationId,
        messageId,
      );
      requireAdmin(access);
      requireNotArchived(access);
      if (row.deleted_at) throw new ConflictError('The message was deleted.', 'message_deleted');
      if ((row.pinned_at !== null) === pinned) return row;
      const updated = await messages.update(trx, messageId, {
        pinned_at: pinned ? ctx.clock.now() : null,
        pinned_by: pinned ? actor.identity : null,
      });
      await record({ projectId: actor.projectId, id: conversationId }, [
        {
          type: pinned ? 'conversation.message.pinned' : 'conversation.message.unpinned',
          data: await messagesService.withReactions(updated, trx),
        },
      ]);
      return updated;
    });
    return messagesService.withReactions(row);
  }

  /** Copies a message into another conversation the actor also belongs to. */
  async function forward(
    actor: Actor,
    conversationId: string,
    messageId: string,
    input: { conversation_id: string; client_id?: string },
  ) {
    const author = messagesService.authorOf(actor, {});
    await accessConversation(conversations, null, actor, conversationId, ctx.db);
    const source = await messages.find(ctx.db, actor.projectId, conversationId, messageId);
    if (!source) throw new NotFoundError('Message');
    if (source.deleted_at) throw new ConflictError('The message was deleted.', 'message_deleted');
    const result = await messagesService.append(
      actor,
      input.conversation_id,
      author,
      {
        body: source.body ?? undefined,
        attachments: source.attachments,
        client_id: input.client_id,
      },
      { forwardedFrom: source.id },
    );
    return { message: messageView(result.row), created: result.created };
  }

  async function markRead(actor: Actor, conversationId: string, messageId: string) {
    const identity = identityOf(actor);
    await ctx.log.commit(async (trx, record) => {
      const { row } = await messagesService.loadMessage(trx, actor, conversationId, messageId);
      const seq = Number(row.seq);
      if (!(await conversations.advanceRead(trx, conversationId, identity, seq, row.id))) return;
      const hidden = await ctx.identities.privateReaders(actor.projectId, [identity], trx);
      await record({ projectId: actor.projectId, id: conversationId }, [
        {
          type: 'conversation.read',
          data: { conversation_id: conversationId, identity, message_id: row.id, seq },
          onlyFor: hidden.has(identity) ? identity : undefined,
        },
      ]);
    });
    const member = await conversations.findMember(ctx.db, conversationId, identity);
    const unread = await messages.unreadCounts(actor.projectId, identity, [conversationId]);
    return {
      conversation_id: conversationId,
      last_read_seq: Number(member?.last_read_seq ?? 0),
      last_read_message_id: member?.last_read_message_id ?? null,
      unread_count: unread.get(conversationId) ?? 0,
    };
  }

  /** Unread messages per conversation and in total, computed from rows, so never drifting. */
  async function unread(projectId: string, identity: string) {
    const counts = await messages.unreadCounts(projectId, identity);
    const conversationsList = [...counts]
      .map(([conversation_id, unread_count]) => ({ conversation_id, unread_count }))
      .sort((a, b) => (a.conversation_id < b.conversation_id ? 1 : -1));
    return {
      identity,
      total: conversationsList.reduce((sum, c) => sum + c.unread_count, 0),
      conversations: conversationsList,
    };
  }

  return { react, pin, forward, markRead, unread };
}
