import { expect } from 'chai';
import { createRooms } from '../../src/chat/realtime/rooms.js';
import { compareCursors } from '../../src/chat/realtime/cursor.js';
import { mentionCandidates, parseMentions } from '../../src/chat/mentions.js';

describe('createRooms', () => {
  it('moves a member between rooms as its set of conversations changes', () => {
    const rooms = createRooms<string>();
    const bob = rooms.setFor('bob');
    const carol = rooms.setFor('carol');
    bob.add('c1');
    bob.add('c2');
    carol.add('c1');
    bob.add('c1');
    expect(rooms.in('c1')).to.deep.equal(['bob', 'carol']);
    expect(rooms.in('c2')).to.deep.equal(['bob']);
    bob.delete('c1');
    expect(rooms.in('c1')).to.deep.equal(['carol']);
    expect([...rooms.inAny(['c1', 'c2'])].sort()).to.deep.equal(['bob', 'carol']);
    carol.clear();
    expect(rooms.in('c1')).to.deep.equal([]);
    expect(rooms.roomCount()).to.equal(1);
  });

  it('forgets a detached member for good but lets its set keep its contents', () => {
    const rooms = createRooms<string>();
    const bob = rooms.setFor('bob');
    bob.add('c1');
    bob.detach();
    expect(rooms.in('c1')).to.deep.equal([]);
    expect([...bob]).to.deep.equal(['c1']);
    bob.add('c2');
    expect(rooms.roomCount()).to.equal(0);
  });

  it('hands out a copy, so delivery may change the room while it is walked', () => {
    const rooms = createRooms<string>();
    const bob = rooms.setFor('bob');
    bob.add('c1');
    const walked = rooms.in('c1');
    bob.delete('c1');
    expect(walked).to.deep.equal(['bob']);
  });
});

describe('compareCursors on transaction ids of different lengths', () => {
  it('compares decimal xids as numbers, not as text', () => {
    const c = (tx: string) => ({ transactionId: tx, position: 1 });
    expect(compareCursors(c('99'), c('100'))).to.equal(-1);
    expect(compareCursors(c('100'), c('99'))).to.equal(1);
    expect(compareCursors(c('123'), c('123'))).to.equal(0);
    expect(compareCursors(c('124'), c('123'))).to.equal(1);
  });
});

describe('mentionCandidates', () => {
  it('lists every @identity once, in order, without trailing punctuation', () => {
    expect(mentionCandidates('hi @bob. and @carol: @bob again, mail x@y.z')).to.deep.equal([
      'bob',
      'carol',
    ]);
    expect(mentionCandidates('no mentions here')).to.deep.equal([]);
  });

  it('agrees with parseMentions once filtered by membership', () => {
    const body = '@dave @bob @carol @bob';
    const members = new Set(['bob', 'carol']);
    expect(parseMentions(body, members)).to.deep.equal(
      mentionCandidates(body).filter((m) => members.has(m)),
    );
    expect(parseMentions(body, members)).to.deep.equal(['bob', 'carol']);
  });
});
