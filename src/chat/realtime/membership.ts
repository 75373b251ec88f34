import type { EventCursor, EventStore, StoredEvent } from '../../events/index.js';
import { CHAT_STREAM } from '../chat-log.js';

/** The events that can add a conversation to an identity's set or take one from it. */
export const MEMBERSHIP_EVENTS = [
  'conversation.created',
  'conversation.member.joined',
  'conversation.member.left',
  'conversation.archived',
];

/** A conversation an identity belongs to now, archived or not. */
export interface Membership {
  conversationId: string;
  archived: boolean;
}

/**
 * An identity's conversations at an earlier point of the log, as realtime counts them (a
 * member of a conversation not archived), from its memberships now and every membership
 * event committed since that point, undone newest first. An event of the list that the rows
 * do not reflect yet (committed after they were read) is undone all the same: undoing sets
 * the state before the event, whatever the state after it. `unsure`: conversations the
 * identity belonged to then but no longer does, that no listed event archived; they count
 * only if not archived now (archived before that point).
 */
export function rewindMembership(
  identity: string,
  now: Membership[],
  since: StoredEvent[],
): { conversations: Set<string>; unsure: string[] } {
  const member = new Map(now.map((m) => [m.conversationId, true]));
  const archived = new Map(now.map((m) => [m.conversationId, m.archived]));
  for (let i = since.length - 1; i >= 0; i--) {
    const { type, streamId: id } = since[i];
    const data = since[i].data as Record<string, unknown>;
    switch (type) {
      case 'conversation.created': {
        const members = (data.members ?? []) as Array<{ identity?: unknown }>;
        if (members.some((m) => m.identity === identity)) member.set(id, false);
        archived.set(id, false);
        break;
      }
      case 'conversation.member.joined':
        if ((data.member as { identity?: unknown } | undefined)?.identity === identity)
          member.set(id, false);
        break;
      case 'conversation.member.left':
        if (data.identity === identity) member.set(id, true);
        break;
      case 'conversation.archived':
        archived.set(id, false);
        break;
    }
  }
  const conversations = new Set<string>();
  const unsure: string[] = [];
  for (const [id, was] of member) {
    if (!was) continue;
    const wasArchived = archived.get(id);
    if (wasArchived === undefined) unsure.push(id);
    else if (!wasArchived) conversations.add(id);
  }
  return { conversations, unsure };
}

const PAGE = 1000;

/**
 * Reads an identity's conversations as of a cursor of the log, for a replay that must judge
 * each event by the membership of its time. The rows are read before the events, so every
 * change they reflect is among the events. Null when more membership events than `limit`
 * followed the cursor: the replay would be too far behind anyway.
 */
export function createMembershipHistory(deps: {
  events: Pick<EventStore, 'readCommitted'>;
  membershipOf(projectId: string, identity: string): Promise<Membership[]>;
  archivedAmong(projectId: string, ids: string[]): Promise<string[]>;
  limit: number;
}) {
  return async function membershipAt(
    projectId: string,
    identity: string,
    at: EventCursor,
  ): Promise<Set<string> | null> {
    const now = await deps.membershipOf(projectId, identity);
    const since: StoredEvent[] = [];
    let after: EventCursor = at;
    for (;;) {
      const page = await deps.events.readCommitted({
        after,
        limit: PAGE,
        projectId,
        streamTypes: [CHAT_STREAM],
        types: MEMBERSHIP_EVENTS,
      });
      since.push(...page);
      if (since.length > deps.limit) return null;
      if (page.length < PAGE) break;
      const last = page[page.length - 1];
      after = { transactionId: last.transactionId, position: last.position };
    }
    const { conversations, unsure } = rewindMembership(identity, now, since);
    const archived = new Set(await deps.archivedAmong(projectId, unsure));
    for (const id of unsure) if (!archived.has(id)) conversations.add(id);
    return conversations;
  };
}
