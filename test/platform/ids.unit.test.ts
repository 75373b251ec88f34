import { expect } from 'chai';
import { createIdGenerator, createManualClock, isId } from '../../src/platform/index.js';

describe('ids', () => {
  it('makes prefixed ids that sort in creation order', () => {
    const clock = createManualClock();
    const nextId = createIdGenerator(clock);
    const first = nextId('msg');
    clock.advance(1);
    const second = nextId('msg');
    const third = nextId('msg');
    expect(first < second && second < third).to.equal(true);
    expect(isId(first, 'msg')).to.equal(true);
    expect(isId(first, 'call')).to.equal(false);
  });
});
