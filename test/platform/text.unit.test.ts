import { expect } from 'chai';
import { headWithinBytes, storableText } from '../../src/platform/index.js';

describe('storableText', () => {
  it('keeps ordinary text, emoji included, as it is', () => {
    expect(storableText('Grüße 👋 "quoted" \\ done')).to.equal('Grüße 👋 "quoted" \\ done');
  });

  it('replaces each NUL with U+FFFD', () => {
    expect(storableText('a\u0000b\u0000')).to.equal('a\uFFFDb\uFFFD');
  });

  it('replaces a lone half of a surrogate pair with U+FFFD, and keeps whole pairs', () => {
    expect(storableText('x\uD83D')).to.equal('x\uFFFD');
    expect(storableText('\uDC4Bx\uD83D\uDC4B')).to.equal('\uFFFDx👋');
  });
});

describe('headWithinBytes', () => {
  it('keeps text within the limit as it is', () => {
    expect(headWithinBytes('héllo', 6)).to.equal('héllo');
  });

  it('cuts on a whole character, never half an emoji or a multi-byte letter', () => {
    expect(headWithinBytes('ab👋', 5)).to.equal('ab');
    expect(headWithinBytes('ab👋c', 6)).to.equal('ab👋');
    expect(headWithinBytes('éé', 3)).to.equal('é');
  });
});
