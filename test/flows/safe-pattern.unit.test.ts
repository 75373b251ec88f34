import { expect } from 'chai';
import { checkPattern, matchesPattern } from '../../src/flows/safe-pattern.js';

describe('checkPattern', () => {
  for (const pattern of [
    '^[0-9]{4}$',
    '^\\+44',
    '^(yes|y)$',
    '^(?:ab)+$',
    '^(\\+44)?[0-9]+$',
    '^(a+)?$',
    '^a*b*c*$',
    '(?<area>[0-9]{3})-',
    '^\\d{3}\\-\\d{4}$',
    '^[\\w-.]+$',
    '^(\\d{3})+$',
  ]) {
    it(`accepts ${pattern}`, () => {
      expect(checkPattern(pattern)).to.equal(undefined);
    });
  }

  const rejected: Array<[string, string]> = [
    ['(a+)+$', 'nested repetition'],
    ['(a|aa)*$', 'a repeated alternation'],
    ['((ab)*c)+', 'a repetition inside a repeated group'],
    ['(x)\\1', 'a back-reference'],
    ['.*.*.*.*x', 'four unbounded repetitions'],
    ['a{0,30}a{0,30}a{0,30}a{0,30}a{0,30}$', 'four bounded repetitions of variable length'],
    ['a?'.repeat(9) + 'a'.repeat(9), 'nine optional items'],
    ['[', 'an invalid expression'],
    ['\\q', 'an escape of no meaning'],
    ['(a?)+', 'an optional item inside a repeated group'],
    ['^\\p{Lu}+\\-\\d$', 'a property escape in a pattern that needs reading without u'],
    ['^\\u{41}\\-$', 'a code point escape in a pattern that needs reading without u'],
  ];
  for (const [pattern, label] of rejected) {
    it(`rejects ${label}: ${pattern}`, () => {
      expect(checkPattern(pattern)).to.be.a('string');
    });
  }

  it('matches with punctuation escapes the u flag refuses, as authors mean them', () => {
    expect(matchesPattern('^\\d{3}\\-\\d{4}$', '555-1234')).to.equal(true);
    expect(matchesPattern('^[\\w-.]+$', 'a.b-c')).to.equal(true);
    expect(matchesPattern('^[\\w-.]+$', 'a b')).to.equal(false);
    expect(matchesPattern('^(\\d{3})+$', '123456')).to.equal(true);
  });

  it('ignores quantifier characters inside a class', () => {
    expect(checkPattern('^([+*]x)+$')).to.equal(undefined);
  });
});

describe('matchesPattern', () => {
  it('tests the input', () => {
    expect(matchesPattern('^[0-9]{4}$', '1234')).to.equal(true);
    expect(matchesPattern('^[0-9]{4}$', '123')).to.equal(false);
  });

  it('never matches an input longer than 128 characters', () => {
    expect(matchesPattern('^a+$', 'a'.repeat(129))).to.equal(false);
    expect(matchesPattern('^a+$', 'a'.repeat(128))).to.equal(true);
  });

  it('never matches with a pattern the validator would refuse', () => {
    expect(matchesPattern('^(a+)+$', 'aaaa')).to.equal(false);
  });

  it('gives up a match that runs past its time limit, as no match', () => {
    // Accepted by the validator (three repetitions of variable length, eight optional items),
    // yet the optional items multiply the backtracking: 0.8 s on this input without the limit.
    const pattern = `^${'[0-9]?'.repeat(8)}[0-9]*[0-9]*[0-9]*x$`;
    expect(checkPattern(pattern)).to.equal(undefined);
    const started = performance.now();
    expect(matchesPattern(pattern, '1'.repeat(120))).to.equal(false);
    expect(performance.now() - started).to.be.below(500);
    expect(matchesPattern(pattern, '12x')).to.equal(true);
  });
});
