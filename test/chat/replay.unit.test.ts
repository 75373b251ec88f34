import { expect } from 'chai';
import type { MessageRow } from '../../src/chat/messages.store.js';
import { rewindMembership } from '../../src/chat/realtime/membership.js';
import { createReplayView } from '../../src/chat/realtime/replay-view.js';
import type { StoredEvent } from '../../src/events/index.js';

describe('createReplayView', () => {
  const at = new Date('2026-12-01T10:00:00.000Z');
  const row = (id: string, patch: Partial<MessageRow>): MessageRow => ({
    id,
    project_id: 'prj_1',
    conversation_id: 'conv_1',
    seq: 1,
    author: 'alice',
    body: 'now',
    attachments: ['file_1'],
    mentions: [],
    reply_to: null,
    forwarded_from: null,
    client_id: null,
    source: 'chat',
    pinned_at: null,
    pinned_by: null,
    edited_at: null,
    deleted_at: null,
    created_at: at,
    ...patch,
  });
  const event = (type: string, data: Record<string, unknown>) =>
    ({ type, position: 1, data }) as unknown as StoredEvent;

  it('reads the changed messages of a page once and shows them as they are now', async () => {
    const reads: string[][] = [];
    const view = createReplayView(async (_projectId, ids) => {
      reads.push(ids);
      return [
        row('m1', { deleted_at: at, body: 'secret' }),
        row('m2', { body: 'edited', mentions: ['bob'], edited_at: at }),
      ];
    });
    const page = [
      event('conversation.message.created', { id: 'm1', body: 'secret', attachments: ['f'] }),
      event('conversation.message.created', { id: 'm2', body: 'old', pinned: false }),
      event('conversation.message.pinned', { id: 'm2', body: 'older', pinned: true }),
      event('conversation.message.created', { id: 'm3', body: 'untouched' }),
      event('conversation.reaction.added', { message_id: 'm1', emoji: '👍' }),
    ];
    const shown = await view('prj_1', page);
    expect(reads).to.deep.equal([['m1', 'm2', 'm3']]);
    expect(shown[0].data).to.include({ body: null, deleted: true });
    expect(shown[0].data.attachments).to.deep.equal([]);
    expect(shown[1].data).to.deep.equal({
      id: 'm2',
      body: 'edited',
      mentions: ['bob'],
      edited_at: at.toISOString(),
      pinned: false,
    });
    expect(shown[2].data).to.include({ body: 'edited', pinned: true });
    expect(shown[3]).to.equal(page[3]);
    expect(shown[4]).to.equal(page[4]);
    expect(page[1].data.body, 'the events read are not changed').to.equal('old');
  });

  it('reads nothing for a page without messages', async () => {
    let read = false;
    const view = createReplayView(async () => {
      read = true;
      return [];
    });
    await view('prj_1', [event('conversation.member.left', { identity: 'bob' })]);
    expect(read).to.equal(false);
  });
});

describe('rewindMembership', () => {
  const event = (type: string, streamId: string, data: Record<string, unknown>) =>
    ({ type, streamId, data, metadata: {} }) as unknown as StoredEvent;

  it('undoes the identity’s joins, removals and archivings since, newest first', () => {
    const { conversations, unsure } = rewindMembership(
      'bob',
      [
        { conversationId: 'joined', archived: false },
        { conversationId: 'archived', archived: true },
        { conversationId: 'kept', archived: false },
        { conversationId: 'old-archive', archived: true },
      ],
      [
        event('conversation.member.joined', 'joined', { member: { identity: 'bob' } }),
        event('conversation.member.left', 'left', { identity: 'bob' }),
        event('conversation.archived', 'archived', {}),
        event('conversation.created', 'created', { members: [{ identity: 'bob' }] }),
        event('conversation.member.left', 'kept', { identity: 'carol' }),
        event('conversation.member.left', 'archived-then-left', { identity: 'bob' }),
      ],
    );
    expect([...conversations].sort()).to.deep.equal(['archived', 'kept']);
    // Left since, archived or not before: only the conversations' rows can tell.
    expect(unsure.sort()).to.deep.equal(['archived-then-left', 'left']);
  });

  it('counts a left-then-rejoined conversation by its first change', () => {
    const { conversations } = rewindMembership(
      'bob',
      [{ conversationId: 'c', archived: false }],
      [
        event('conversation.member.left', 'c', { identity: 'bob' }),
        event('conversation.member.joined', 'c', { member: { identity: 'bob' } }),
      ],
    );
    expect([...conversations]).to.deep.equal(['c']);
  });
});
