import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  type AuthContext,
  type Trx,
} from '../platform/index.js';
import type { ConversationRow, ConversationsStore, MemberRow } from './conversations.store.js';

/**
 * Who acts in chat: the operator (a project API key, `identity` null, may do anything in its
 * project) or one identity (a user token, limited to conversations it belongs to).
 */
export interface Actor {
  projectId: string;
  identity: string | null;
}

/** The actor of an authenticated request. */
export function actorOf(auth: AuthContext | undefined): Actor {
  if (auth?.kind === 'key') return { projectId: auth.projectId, identity: null };
  if (auth?.kind === 'user') return { projectId: auth.projectId, identity: auth.identity };
  throw new Error('chat route without project or user authentication');
}

/** The conversation and the actor's membership (null for the operator). */
export interface Access {
  conversation: ConversationRow;
  member: MemberRow | null;
}

/**
 * Loads a conversation for an actor, locking it when `trx` is given (every write holds the
 * lock). Another project's conversation, or one the identity does not belong to, is a 404:
 * a non-member learns nothing, not even that it exists.
 */
export async function accessConversation(
  store: ConversationsStore,
  conn: Trx | null,
  actor: Actor,
  id: string,
  db: Parameters<ConversationsStore['find']>[0],
): Promise<Access> {
  const conversation = conn
    ? await store.lock(conn, actor.projectId, id)
    : await store.find(db, actor.projectId, id);
  if (!conversation) throw new NotFoundError('Conversation');
  if (actor.identity === null) return { conversation, member: null };
  const member = await store.findMember(conn ?? db, id, actor.identity);
  if (!member) throw new NotFoundError('Conversation');
  return { conversation, member };
}

/** Admin-only operations: the operator or a member with role admin. */
export function requireAdmin(access: Access): void {
  if (access.member && access.member.role !== 'admin') {
    throw new ForbiddenError('Only an admin of the conversation may do this.', 'not_admin');
  }
}

/** The refusal of a change to an archived conversation's content (409 conversation_archived). */
export function archivedError(): ConflictError {
  return new ConflictError('The conversation is archived.', 'conversation_archived');
}

/**
 * An archived conversation is read-only history: no new or edited messages, reactions, pins,
 * deletions, renames or members. Reading it, marking it read, and leaving it stay allowed.
 */
export function requireNotArchived(access: Access): void {
  if (access.conversation.archived_at) throw archivedError();
}
