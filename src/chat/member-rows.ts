import type { MemberRow } from './conversations.store.js';
import { memberView } from './views.js';

/** A chat member (`identity`, `role`) or an SMS participant (`phone_number`, `proxy_number`). */
export type AddMemberInput =
  { identity: string; role?: 'admin' | 'member' } | { phone_number: string; proxy_number: string };

/** A new member's row: a chat identity, or an SMS participant known by its phone number. */
export function memberRowOf(
  projectId: string,
  conversationId: string,
  input: AddMemberInput,
  joinedAt: Date,
): Omit<MemberRow, 'last_read_seq' | 'last_read_message_id'> {
  const base = { conversation_id: conversationId, project_id: projectId, joined_at: joinedAt };
  if ('phone_number' in input) {
    return {
      ...base,
      identity: input.phone_number,
      role: 'member',
      kind: 'sms',
      phone_number: input.phone_number,
      proxy_number: input.proxy_number,
    };
  }
  return {
    ...base,
    identity: input.identity,
    role: input.role ?? 'member',
    kind: 'chat',
    phone_number: null,
    proxy_number: null,
  };
}

/** The `conversation.member.joined` event of a member added (by `addedBy`; null: the API key). */
export function memberJoined(row: MemberRow, addedBy: string | null) {
  return {
    type: 'conversation.member.joined',
    data: {
      conversation_id: row.conversation_id,
      member: memberView(row, false),
      added_by: addedBy,
    },
  };
}
