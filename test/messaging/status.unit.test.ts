import { expect } from 'chai';
import { statusFromParts, transition, transitionPart } from '../../src/messaging/status.js';
import { keywordOf } from '../../src/messaging/opt-out.js';

describe('message status machine', () => {
  it('moves forward through queued, sending, sent and delivered', () => {
    expect(transition('queued', 'sending')).to.deep.equal({ status: 'sending', changed: true });
    expect(transition('sending', 'sent')).to.deep.equal({ status: 'sent', changed: true });
    expect(transition('sent', 'delivered')).to.deep.equal({ status: 'delivered', changed: true });
  });

  it('ignores a late sent after delivered', () => {
    expect(transition('delivered', 'sent')).to.deep.equal({ status: 'delivered', changed: false });
  });

  it('never changes a final status, even to another final one', () => {
    expect(transition('delivered', 'undelivered').changed).to.equal(false);
    expect(transition('failed', 'delivered').changed).to.equal(false);
  });

  it('cancels only a scheduled message', () => {
    expect(transition('scheduled', 'canceled')).to.deep.equal({
      status: 'canceled',
      changed: true,
    });
    expect(transition('queued', 'canceled').changed).to.equal(false);
    expect(transition('sent', 'canceled').changed).to.equal(false);
  });

  it('keeps a part final once a receipt made it so, and ignores pending receipts', () => {
    expect(transitionPart('sent', 'pending')).to.equal('sent');
    expect(transitionPart('sent', 'delivered')).to.equal('delivered');
    expect(transitionPart('delivered', 'undelivered')).to.equal('delivered');
  });

  it('delivers a multi-part message only when every part is delivered', () => {
    expect(statusFromParts(['delivered', 'sent', 'delivered'], 3)).to.equal('sent');
    expect(statusFromParts(['delivered', 'delivered'], 3)).to.equal('sent');
    expect(statusFromParts(['delivered', 'delivered', 'delivered'], 3)).to.equal('delivered');
  });

  it('marks a multi-part message undelivered or failed as soon as one part is', () => {
    expect(statusFromParts(['delivered', 'undelivered', 'sent'], 3)).to.equal('undelivered');
    expect(statusFromParts(['failed', 'undelivered'], 2)).to.equal('failed');
  });
});

describe('opt-out keywords', () => {
  it('reads STOP words in any case, with spaces and a trailing full stop', () => {
    for (const word of [
      'STOP',
      'stop',
      ' Stop ',
      'STOPALL',
      'unsubscribe',
      'Cancel',
      'END',
      'quit',
      'stop.',
    ]) {
      expect(keywordOf(word), word).to.equal('stop');
    }
  });

  it('reads START, YES, UNSTOP as opt-in and HELP, INFO as help', () => {
    for (const word of ['START', 'yes', 'Unstop']) expect(keywordOf(word)).to.equal('start');
    for (const word of ['HELP', 'info']) expect(keywordOf(word)).to.equal('help');
  });

  it('reads a keyword with punctuation or spaces around it', () => {
    // Only trailing . ! ? were allowed: these did not opt out.
    for (const text of ['STOP,', '"STOP"', '(STOP)', 'STOP;', '¡STOP!', ' stop. ', '«Stop»'])
      expect(keywordOf(text), text).to.equal('stop');
  });

  it('ignores keywords inside longer messages', () => {
    for (const text of ['please stop', 'STOP NOW', 'stopped', 'help me', ''])
      expect(keywordOf(text), text).to.equal(null);
  });
});
