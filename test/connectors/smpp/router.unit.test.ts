import { expect } from 'chai';
import { AppError } from '../../../src/platform/index.js';
import type { SmsGateway } from '../../../src/connectors/smpp/gateway.js';
import { createSmsRouter } from '../../../src/connectors/smpp/router.js';

function fakeGateway(id: string, bound = true): SmsGateway & { bound: boolean } {
  return {
    id,
    bound,
    isBound() {
      return this.bound;
    },
    submit: async () => ({ messageId: id }),
    onInbound: () => undefined,
    close: async () => undefined,
  };
}

describe('createSmsRouter', () => {
  const world = fakeGateway('world');
  const uk = fakeGateway('uk');
  const ukBackup = fakeGateway('uk-backup');
  const london = fakeGateway('london');
  const router = createSmsRouter(
    [world, uk, ukBackup, london],
    new Map([
      ['uk', ['+44']],
      ['uk-backup', ['44']],
      ['london', ['+4420']],
    ]),
  );

  beforeEach(() => {
    for (const gateway of [world, uk, ukBackup, london]) gateway.bound = true;
  });

  it('picks the gateway with the longest matching prefix', () => {
    expect(router.pick('+442071234567').id).to.equal('london');
    expect(router.pick('+447700900123').id).to.equal('uk');
  });

  it('sends destinations no prefix matches to the catch-all gateway', () => {
    expect(router.pick('+14155550100').id).to.equal('world');
  });

  it('fails over in configured order when a bind is down', () => {
    uk.bound = false;
    expect(router.pick('+447700900123').id).to.equal('uk-backup');
    ukBackup.bound = false;
    expect(router.pick('+447700900123').id).to.equal('world');
    london.bound = false;
    expect(router.pick('+442071234567').id).to.equal('world');
  });

  it('throws a retryable smpp_not_bound when every matching bind is down', () => {
    for (const gateway of [world, uk, ukBackup, london]) gateway.bound = false;
    expect(() => router.pick('+447700900123'))
      .to.throw(AppError)
      .that.includes({ code: 'smpp_not_bound', retryable: true });
    expect(router.isReady()).to.equal(false);
  });

  it('throws a permanent smpp_no_route when no gateway serves the destination', () => {
    const ukOnly = createSmsRouter([uk], new Map([['uk', ['+44']]]));
    expect(() => ukOnly.pick('+14155550100'))
      .to.throw(AppError)
      .that.includes({ code: 'smpp_no_route', retryable: false });
  });
});
