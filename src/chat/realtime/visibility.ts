import type { StoredEvent } from '../../events/index.js';

/**
 * Decides whether one event goes to one identity's socket and keeps the socket's set of
 * conversations current. Called for each event in log order, so a join takes effect from the
 * join on and a removal stops delivery right after the `member.left` event (which the removed
 * identity still receives, to know it left). Private read receipts go only to their owner.
 */
export function admitEvent(
  conversations: Set<string>,
  identity: string,
  event: StoredEvent,
): boolean {
  const onlyFor = event.metadata?.only_for;
  if (typeof onlyFor === 'string' && onlyFor !== identity) return false;
  const id = event.streamId;
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'conversation.created': {
      const members = (data.members ?? []) as Array<{ identity?: unknown }>;
      if (members.some((m) => m.identity === identity)) conversations.add(id);
      break;
    }
    case 'conversation.member.joined':
      if ((data.member as { identity?: unknown } | undefined)?.identity === identity)
        conversations.add(id);
      break;
    case 'conversation.member.left':
    case 'conversation.archived': {
      const leaving = event.type === 'conversation.archived' || data.identity === identity;
      const admitted = conversations.has(id);
      if (leaving) conversations.delete(id);
      return admitted;
    }
  }
  return conversations.has(id);
}
