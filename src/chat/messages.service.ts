import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  UnprocessableError,
  type Trx,
} from '../platform/index.js';
import { accessConversation, requireNotArchived, type Actor } from './access.js';
import type { ChatContext } from './context.js';
import { OPERATOR_AUTHOR } from './identity.js';
import { mentionCandidates, parseMentions } from './mentions.js';
import { createMessageWriter } from './message-writer.js';
import type { MessageRow } from './messages.store.js';
import { messageView } from './views.js';

export interface SendInput {
  body?: string;
  attachments?: string[];
  reply_to?: string;
  client_id?: string;
  /** Operator only: who the message is from (default `OPERATOR_AUTHOR`, `system`). */
  author?: string;
}

/** Internal: how a message came to be (a forward, an inbound SMS). */
export interface SendOrigin {
  forwardedFrom?: string;
  source?: 'chat' | 'sms';
}

export type MessagesService = ReturnType<typeof createMessagesService>;

/** Send, list, edit and delete messages. */
export function createMessagesService(ctx: ChatContext) {
  const { conversations, messages } = ctx;
  const writer = createMessageWriter(ctx);

  function authorOf(actor: Actor, input: SendInput): string {
    if (actor.identity) {
      if (input.author !== undefined && input.author !== actor.identity) {
        throw new ForbiddenError('A user token sends only as its own identity.');
      }
      return actor.identity;
    }
    return input.author ?? OPERATOR_AUTHOR;
  }

  function checkBodySize(body: string | undefined) {
    if (body !== undefined && Buffer.byteLength(body, 'utf8') > ctx.limits.maxBodyBytes) {
      throw new PayloadTooLargeError(`A message body is at most ${ctx.limits.maxBodyBytes} bytes.`);
    }
  }

  function checkBody(body: string | undefined, attachments: string[]) {
    checkBodySize(body);
    if ((body ?? '').trim() === '' && attachments.length === 0) {
      throw new UnprocessableError('A message needs a body or an attachment.', 'empty_message');
    }
  }

  async function checkAttachments(actor: Actor, ids: string[]) {
    if (ids.length === 0) return;
    const rows = await ctx.files.findMany(actor.projectId, ids);
    for (const id of ids) {
      let file = rows.find((r) => r.id === id);
      if (file?.status === 'pending' && ctx.checkFile) {
        const pending = file;
        file = await ctx.checkFile(pending).catch(() => pending);
      }
      const mine = file && (actor.identity === null || file.uploaded_by === actor.identity);
      if (!file || !mine) throw new UnprocessableError(`Unknown file ${id}.`, 'unknown_file');
      if (file.status !== 'ready') {
        throw new UnprocessableError(
          `File ${id} has not passed its checks (${file.status}).`,
          'file_not_ready',
        );
      }
    }
  }

  /** The chat identities of a conversation (to check @mentions against). */
  async function chatMembers(trx: Trx, conversationId: string): Promise<ReadonlySet<string>> {
    const rows = await conversations.members(trx, conversationId);
    return new Set(rows.filter((r) => r.kind === 'chat').map((r) => r.identity));
  }

  /**
   * Appends a message to a conversation as `actor` (a user token must be a member); a
   * repeated client_id of the author returns the first message. See message-writer.ts.
   */
  function append(
    actor: Actor,
    conversationId: string,
    author: string,
    input: SendInput,
    origin: SendOrigin = {},
  ) {
    return writer.append(conversationId, {
      id: ctx.ids('cmsg'),
      projectId: actor.projectId,
      memberIdentity: actor.identity,
      author,
      body: input.body ?? null,
      attachments: input.attachments ?? [],
      mentionCandidates: mentionCandidates(input.body ?? ''),
      replyTo: input.reply_to ?? null,
      forwardedFrom: origin.forwardedFrom ?? null,
      clientId: input.client_id ?? null,
      source: origin.source ?? 'chat',
      createdAt: ctx.clock.now(),
    });
  }

  async function send(
    actor: Actor,
    conversationId: string,
    input: SendInput,
    origin: SendOrigin = {},
  ) {
    const author = authorOf(actor, input);
    const attachments = input.attachments ?? [];
    checkBody(input.body, attachments);
    await checkAttachments(actor, attachments);
    const result = await append(actor, conversationId, author, input, origin);
    return { message: messageView(result.row), created: result.created };
  }

  async function list(
    actor: Actor,
    conversationId: string,
    page: { before?: number; after?: number; limit: number; pinned?: boolean },
  ) {
    await accessConversation(conversations, null, actor, conversationId, ctx.db);
    const rows = await messages.list(actor.projectId, conversationId, page);
    const more = rows.length > page.limit;
    const data = more ? rows.slice(0, page.limit) : rows;
    const reactions = await messages.reactionsOf(data.map((r) => r.id));
    const last = data.at(-1);
    const next =
      more && last
        ? page.after !== undefined
          ? { after: Number(last.seq) }
          : { before: Number(last.seq) }
        : null;
    return {
      data: data.map((r) => messageView(r, reactions.get(r.id))),
      next_cursor: next ? Buffer.from(JSON.stringify(next)).toString('base64url') : null,
    };
  }

  async function loadMessage(trx: Trx, actor: Actor, conversationId: string, messageId: string) {
    const access = await accessConversation(conversations, trx, actor, conversationId, ctx.db);
    const row = await messages.find(trx, actor.projectId, conversationId, messageId);
    if (!row) throw new NotFoundError('Message');
    return { access, row };
  }

  async function edit(actor: Actor, conversationId: string, messageId: string, body: string) {
    checkBodySize(body);
    const row = await ctx.log.commit(async (trx, record) => {
      const { access, row } = await loadMessage(trx, actor, conversationId, messageId);
      if (actor.identity !== null && row.author !== actor.identity) {
        throw new ForbiddenError('Only the author may edit a message.', 'not_author');
      }
      if (row.deleted_at) throw new ConflictError('The message was deleted.', 'message_deleted');
      requireNotArchived(access);
      // An edit keeps the attachments: only a message that has some may lose its text.
      checkBody(body, row.attachments);
      const mentioned = mentionCandidates(body).length > 0;
      const chat = mentioned ? await chatMembers(trx, conversationId) : new Set<string>();
      const updated = await messages.update(trx, messageId, {
        body,
        mentions: parseMentions(body, chat),
        edited_at: ctx.clock.now(),
      });
      await record({ projectId: actor.projectId, id: conversationId }, [
        { type: 'conversation.message.updated', data: await withReactions(updated, trx) },
      ]);
      return updated;
    });
    return withReactions(row);
  }

  async function remove(actor: Actor, conversationId: string, messageId: string) {
    const row = await ctx.log.commit(async (trx, record) => {
      const { access, row } = await loadMessage(trx, actor, conversationId, messageId);
      requireNotArchived(access);
      const isAdmin = access.member === null || access.member.role === 'admin';
      if (row.author !== actor.identity && !isAdmin) {
        throw new ForbiddenError('Only the author or an admin may delete a message.', 'not_author');
      }
      if (row.deleted_at) return row;
      const updated = await messages.update(trx, messageId, {
        deleted_at: ctx.clock.now(),
        pinned_at: null,
        pinned_by: null,
      });
      await record({ projectId: actor.projectId, id: conversationId }, [
        { type: 'conversation.message.deleted', data: messageView(updated) },
      ]);
      return updated;
    });
    return messageView(row);
  }

  /**
   * The message's view with its reactions. Events carry it too: a client that replaces its
   * copy with an event's message would otherwise lose the reactions.
   */
  async function withReactions(row: MessageRow, trx?: Trx) {
    const reactions = await messages.reactionsOf([row.id], trx);
    return messageView(row, reactions.get(row.id));
  }

  return { send, list, edit, remove, loadMessage, append, withReactions, authorOf };
}
