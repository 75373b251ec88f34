import { expect } from 'chai';
import type { StoredEvent } from '../../src/events/index.js';
import { isEmoji } from '../../src/chat/emoji.js';
import { directKeyOf, isChatIdentity } from '../../src/chat/identity.js';
import { parseMentions } from '../../src/chat/mentions.js';
import { compareCursors } from '../../src/chat/realtime/cursor.js';
import { createTokenBucket } from '../../src/chat/realtime/token-bucket.js';
import { admitEvent } from '../../src/chat/realtime/visibility.js';
import { fitSmsText, queueSmsCopies, smsTextOf } from '../../src/chat/sms.js';
import type { ChatContext } from '../../src/chat/context.js';
import type { MessageRow } from '../../src/chat/messages.store.js';
import type { Trx } from '../../src/platform/index.js';
import { capturingLogger } from '../support/log-lines.js';
import { signUserToken, verifyUserToken } from '../../src/chat/tokens.js';

describe('parseMentions', () => {
  const members = new Set(['alice', 'bob.smith', 'carol']);
  it('finds members once each, in order, without trailing punctuation', () => {
    expect(parseMentions('@carol hi @alice, @bob.smith. @alice again', members)).to.deep.equal([
      'carol',
      'alice',
      'bob.smith',
    ]);
  });
  it('ignores non-members, e-mail addresses and a bare @', () => {
    expect(parseMentions('mail x@alice.com or @dave or @ alone', members)).to.deep.equal([]);
  });
});

describe('isEmoji', () => {
  it('accepts single and multi-code-point emoji', () => {
    for (const e of ['👍', '👍🏽', '👨‍👩‍👧‍👦', '🇯🇵', '1️⃣', '❤️', '❤']) expect(isEmoji(e), e).to.equal(true);
  });
  it('refuses text, several emoji, padding and the empty string', () => {
    for (const e of ['a', ':+1:', '👍👍', '', ' 👍', '👍 ']) expect(isEmoji(e), e).to.equal(false);
  });
});

describe('chat identities', () => {
  it('refuses identities that could be phone numbers or contain spaces', () => {
    expect(isChatIdentity('alice@example.com')).to.equal(true);
    expect(isChatIdentity('+14155550100')).to.equal(false);
    expect(isChatIdentity('a b')).to.equal(false);
  });
  it('keys a direct pair the same whatever the order', () => {
    expect(directKeyOf('bob', 'alice')).to.equal(directKeyOf('alice', 'bob'));
  });
});

describe('user token claims', () => {
  const key = { id: 'key_01ARZ3NDEKTSV4RRFFQ69G5FAV', projectId: 'prj_1', secret: 's3cret' };
  const token = signUserToken(key, { identity: 'alice', ttlSec: 600, nowSec: 1_000_000 });
  it('verifies within its lifetime', () => {
    expect(verifyUserToken(token, key, 1_000_100)).to.deep.equal({
      projectId: 'prj_1',
      identity: 'alice',
      expiresAt: 1_000_600,
    });
  });
  it('is null once expired, with another secret, or for another project', () => {
    expect(verifyUserToken(token, key, 1_000_600)).to.equal(null);
    expect(verifyUserToken(token, { ...key, secret: 'other' }, 1_000_100)).to.equal(null);
    expect(verifyUserToken(token, { ...key, projectId: 'prj_2' }, 1_000_100)).to.equal(null);
  });
  it('caps the lifetime at 24 hours', () => {
    const long = signUserToken(key, { identity: 'alice', ttlSec: 10 * 86400, nowSec: 0 });
    expect(verifyUserToken(long, key, 1)?.expiresAt).to.equal(86400);
  });
});

describe('compareCursors', () => {
  it('orders by transaction id as a 64-bit number, then position', () => {
    const c = (tx: string, position: number) => ({ transactionId: tx, position });
    expect(compareCursors(c('9', 100), c('10', 1))).to.equal(-1);
    expect(compareCursors(c('10', 2), c('10', 1))).to.equal(1);
    expect(compareCursors(null, c('1', 1))).to.equal(-1);
    expect(compareCursors(c('18446744073709551615', 1), c('18446744073709551614', 9))).to.equal(1);
  });
});

describe('admitEvent', () => {
  const event = (type: string, streamId: string, data: Record<string, unknown>, metadata = {}) =>
    ({ type, streamId, data, metadata }) as unknown as StoredEvent;
  it('follows joins and removals in log order', () => {
    const set = new Set<string>();
    expect(admitEvent(set, 'bob', event('conversation.message.created', 'c1', {}))).to.equal(false);
    expect(
      admitEvent(
        set,
        'bob',
        event('conversation.member.joined', 'c1', { member: { identity: 'bob' } }),
      ),
    ).to.equal(true);
    expect(admitEvent(set, 'bob', event('conversation.message.created', 'c1', {}))).to.equal(true);
    expect(
      admitEvent(set, 'bob', event('conversation.member.left', 'c1', { identity: 'bob' })),
    ).to.equal(true);
    expect(admitEvent(set, 'bob', event('conversation.message.created', 'c1', {}))).to.equal(false);
  });
  it('shows a private read receipt to its owner only', () => {
    const set = new Set(['c1']);
    const read = event('conversation.read', 'c1', {}, { only_for: 'alice' });
    expect(admitEvent(set, 'bob', read)).to.equal(false);
    expect(admitEvent(set, 'alice', read)).to.equal(true);
  });
});

describe('createTokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    let now = 0;
    const bucket = createTokenBucket({ capacity: 3, perSecond: 2, now: () => now });
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).to.deep.equal([
      true,
      true,
      true,
      false,
    ]);
    now = 500;
    expect([bucket.take(), bucket.take()]).to.deep.equal([true, false]);
  });
});

describe('smsTextOf', () => {
  it('prefixes the author and counts attachments', () => {
    expect(smsTextOf('alice', 'hi', 0)).to.equal('alice: hi');
    expect(smsTextOf('alice', null, 2)).to.equal('alice: [2 attachments]');
  });
});

describe('fitSmsText', () => {
  const length = (s: string) => [...s].length;

  it('leaves a copy of at most 1,600 characters as it is', () => {
    const text = `alice: ${'a'.repeat(1593)}`;
    expect(fitSmsText(text)).to.deep.equal({ text, cut: false });
  });

  it('cuts a longer GSM-7 copy to 1,600 characters ending "..." so it stays GSM-7', () => {
    const { text, cut } = fitSmsText(`alice: ${'word '.repeat(400)}`);
    expect(cut).to.equal(true);
    expect(length(text)).to.be.at.most(1600);
    expect(text).to.match(/word\.\.\.$/);
  });

  it('ends a UCS-2 copy with "…" and never splits a surrogate pair or an emoji sequence', () => {
    for (const pad of [0, 1, 2, 3]) {
      const text = `alice: ${'x'.repeat(pad)}${'😀👩‍👩‍👧'.repeat(400)}`;
      const fitted = fitSmsText(text);
      expect(fitted.cut).to.equal(true);
      expect(length(fitted.text)).to.be.at.most(1600);
      expect(fitted.text.endsWith('…')).to.equal(true);
      expect(text.startsWith(fitted.text.slice(0, -1)), 'cut between graphemes').to.equal(true);
      expect(fitted.text.slice(0, -1)).to.match(/(😀|👩‍👩‍👧)$/u);
      expect(fitted.text.isWellFormed()).to.equal(true);
    }
  });
});

describe('queueSmsCopies', () => {
  it('queues a cut copy for each phone and logs the cut with the conversation and message ids', async () => {
    const { logger, lines } = capturingLogger('info');
    const queued: Array<{ payload: { body: string } }> = [];
    const ctx = {
      logger,
      outbox: {
        add: async (_trx: unknown, job: { payload: { body: string } }) => queued.push(job),
      },
    } as unknown as ChatContext;
    const message = {
      id: 'cmsg_1',
      conversation_id: 'conv_1',
      project_id: 'prj_1',
      author: 'alice',
      body: 'é'.repeat(2000),
      attachments: [],
    } as unknown as MessageRow;
    const phones = ['+14155550101', '+14155550102'].map((p) => ({
      identity: p,
      phone_number: p,
      proxy_number: '+14155550999',
    }));
    await queueSmsCopies(ctx, {} as Trx, message, phones);
    expect(queued).to.have.length(2);
    for (const job of queued) expect([...job.payload.body].length).to.be.at.most(1600);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include({ conversation_id: 'conv_1', message_id: 'cmsg_1' });
  });
});
