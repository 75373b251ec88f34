import { expect } from 'chai';
import { encodeMessage } from '../../../src/messaging/index.js';
import { AppError, createSilentLogger } from '../../../src/platform/index.js';
import type { SmscSimulator } from '../../../src/connectors/sandbox/smsc/index.js';
import {
  createSmppGateway,
  type InboundPdu,
  type SmsGateway,
  type SubmitPart,
} from '../../../src/connectors/smpp/gateway.js';
import type { SmppBindConfig } from '../../../src/connectors/smpp/smpp-url.js';
import { bindConfig, delay, settle, startSimulator, waitFor } from './smpp-test-kit.js';

const FROM = '+14155550199';
const TO = '+14155550100';

function part(destination: string, body = 'Hello', registeredDelivery = true): SubmitPart {
  const { segments } = encodeMessage(body, 1);
  return { source: FROM, destination, registeredDelivery, ...segments[0] };
}

function expectAppError(error: unknown, code: string, retryable: boolean): AppError {
  expect(error).to.be.instanceOf(AppError);
  const appError = error as AppError;
  expect(appError.code).to.equal(code);
  expect(appError.retryable).to.equal(retryable);
  return appError;
}

describe('createSmppGateway (against the SMSC simulator)', () => {
  let simulator: SmscSimulator;
  let port: number;
  const gateways: SmsGateway[] = [];

  async function bound(overrides: Partial<SmppBindConfig> = {}): Promise<SmsGateway> {
    const gateway = createSmppGateway(bindConfig(port, overrides), {
      logger: createSilentLogger(),
    });
    gateways.push(gateway);
    await waitFor(() => gateway.isBound());
    return gateway;
  }

  beforeEach(async () => {
    ({ simulator, port } = await startSimulator());
  });

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await simulator.stop();
  });

  it('binds, submits and resolves with the SMSC message id', async () => {
    const gateway = await bound();
    const { messageId } = await gateway.submit(part(TO, 'Hello there'));
    expect(messageId).to.match(/^[0-9a-f]{12}$/);
    expect(simulator.submissions()).to.deep.equal([
      {
        source: FROM,
        destination: TO,
        text: 'Hello there',
        parts: 1,
        messageIds: [messageId],
        dataCoding: 0,
      },
    ]);
  });

  it('keeps retrying a refused bind (wrong password) without crashing', async () => {
    const gateway = createSmppGateway(bindConfig(port, { password: 'wrong' }), {
      logger: createSilentLogger(),
    });
    gateways.push(gateway);
    await waitFor(() => simulator.stats().bindRefusals >= 3);
    expect(gateway.isBound()).to.equal(false);
    const { error } = await settle(gateway.submit(part(TO)));
    expectAppError(error, 'smpp_not_bound', true);
  });

  it('keeps knocking while nothing listens and binds once the SMSC comes up', async () => {
    await simulator.stop();
    const gateway = createSmppGateway(bindConfig(port), { logger: createSilentLogger() });
    gateways.push(gateway);
    await delay(100);
    expect(gateway.isBound()).to.equal(false);
    ({ simulator } = await startSimulator({ port }));
    await waitFor(() => gateway.isBound());
  });

  it('never has more than `window` submits outstanding; the rest wait in order', async () => {
    const gateway = await bound({ window: 3 });
    simulator.setResponseDelay(30);
    const bodies = Array.from({ length: 10 }, (_, i) => `message ${i}`);
    await Promise.all(bodies.map((body) => gateway.submit(part(TO, body, false))));
    expect(simulator.stats().maxOutstandingSubmits).to.equal(3);
    expect(simulator.submissions().map((submission) => submission.text)).to.deep.equal(bodies);
  });

  it('spaces submits to the throughput cap', async () => {
    const gateway = await bound({ throughput: 20 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => gateway.submit(part(TO, `m${i}`, false))));
    const times = simulator.stats().submitTimes;
    expect(times[4] - times[0]).to.be.at.least(190);
    for (let i = 1; i < times.length; i += 1) expect(times[i] - times[i - 1]).to.be.at.least(30);
  });

  it('fails a submit with smpp_timeout when no submit_sm_resp arrives in time', async () => {
    const gateway = await bound({ responseTimeoutMs: 60 });
    simulator.setResponseDelay(300);
    const { error } = await settle(gateway.submit(part(TO)));
    expectAppError(error, 'smpp_timeout', true);
    expect(gateway.isBound()).to.equal(true);
  });

  it('fails every outstanding submit when the connection drops, then rebinds by itself', async () => {
    const gateway = await bound({ window: 4 });
    simulator.setResponseDelay(1_000);
    const submits = [1, 2, 3, 4, 5, 6].map((i) => settle(gateway.submit(part(TO, `m${i}`))));
    await waitFor(() => simulator.stats().outstandingSubmits === 4);
    simulator.dropConnections();
    const results = await Promise.all(submits);
    for (const { error } of results.slice(0, 4))
      expectAppError(error, 'smpp_connection_lost', true);
    for (const { error } of results.slice(4)) expectAppError(error, 'smpp_not_bound', true);
    simulator.setResponseDelay(0);
    await waitFor(() => gateway.isBound());
    const { messageId } = await gateway.submit(part(TO));
    expect(messageId).to.be.a('string').and.not.equal('');
  });

  it('drops a connection whose enquire_link goes unanswered and binds again', async () => {
    const gateway = await bound({ enquireLinkMs: 30, responseTimeoutMs: 40 });
    simulator.setSilent(true);
    await waitFor(() => !gateway.isBound());
    simulator.setSilent(false);
    await waitFor(() => gateway.isBound());
  });

  it('maps ESME_RINVDSTADR at +15005550002 to a permanent 422 smpp_invalid_destination', async () => {
    const gateway = await bound();
    const { error } = await settle(gateway.submit(part('+15005550002')));
    const appError = expectAppError(error, 'smpp_invalid_destination', false);
    expect(appError.status).to.equal(422);
    expect(appError.extra?.commandStatus).to.equal(0x0b);
  });

  it('throttles +15005550003 twice, then accepts it and reports DELIVRD', async () => {
    const gateway = await bound();
    const receipts: InboundPdu[] = [];
    gateway.onInbound(async (pdu) => void receipts.push(pdu));
    const first = await settle(gateway.submit(part('+15005550003')));
    const second = await settle(gateway.submit(part('+15005550003')));
    expectAppError(first.error, 'smpp_throttled', true);
    expectAppError(second.error, 'smpp_throttled', true);
    const { messageId } = await gateway.submit(part('+15005550003'));
    await waitFor(() => receipts.length === 1);
    expect(receipts[0].tlvs).to.include({ receipted_message_id: messageId, message_state: 2 });
  });

  it('reports UNDELIV for +15005550001 and never a DLR for +15005550004', async () => {
    const gateway = await bound();
    const receipts: InboundPdu[] = [];
    gateway.onInbound(async (pdu) => void receipts.push(pdu));
    const silent = await gateway.submit(part('+15005550004'));
    const undelivered = await gateway.submit(part('+15005550001'));
    await waitFor(() => receipts.length === 1);
    await delay(50);
    expect(receipts).to.have.length(1);
    expect(receipts[0].tlvs).to.include({
      receipted_message_id: undelivered.messageId,
      message_state: 5,
    });
    expect(receipts[0].shortMessage.toString('ascii')).to.contain('stat:UNDELIV');
    expect(silent.messageId).to.not.equal(undelivered.messageId);
  });

  it('hands a DLR to onInbound with its TLVs and E.164 addresses restored', async () => {
    const gateway = await bound();
    const receipts: InboundPdu[] = [];
    gateway.onInbound(async (pdu) => void receipts.push(pdu));
    const { messageId } = await gateway.submit(part(TO, 'Your code is 1234'));
    await waitFor(() => receipts.length === 1);
    const [receipt] = receipts;
    expect(receipt).to.include({
      connectorId: 'smpp-1',
      esmClass: 0x04,
      source: TO,
      destination: FROM,
    });
    expect(receipt.tlvs).to.include({ receipted_message_id: messageId, message_state: 2 });
    expect(receipt.shortMessage.toString('ascii')).to.match(
      new RegExp(
        `^id:${messageId} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} ` +
          'stat:DELIVRD err:000 text:Your code is 1234$',
      ),
    );
  });

  it('withholds deliver_sm_resp until the handler resolves', async () => {
    const gateway = await bound();
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    gateway.onInbound(() => gate);
    let acknowledged = false;
    const injected = simulator.injectMo({ from: TO, to: FROM, body: 'hi' }).then(() => {
      acknowledged = true;
    });
    await delay(60);
    expect(acknowledged).to.equal(false);
    release();
    await injected;
    expect(acknowledged).to.equal(true);
  });

  it('answers ESME_RX_T_APPN when the handler rejects, so the SMSC delivers again', async () => {
    const gateway = await bound();
    const seen: InboundPdu[] = [];
    gateway.onInbound(async (pdu) => {
      seen.push(pdu);
      if (seen.length === 1) throw new Error('database down');
    });
    const { messageId } = await gateway.submit(part(TO));
    await waitFor(() => seen.length === 2);
    expect(seen.map((pdu) => pdu.tlvs.receipted_message_id)).to.deep.equal([messageId, messageId]);
  });

  it('receives a long UCS-2 MO as UDH parts, in order', async () => {
    const gateway = await bound();
    const seen: InboundPdu[] = [];
    gateway.onInbound(async (pdu) => void seen.push(pdu));
    const body = 'Привет, мир! '.repeat(12);
    await simulator.injectMo({ from: TO, to: FROM, body });
    const expected = encodeMessage(body, 0).segments;
    expect(seen).to.have.length(expected.length).and.length.above(1);
    seen.forEach((pdu, index) => {
      expect(pdu).to.include({ esmClass: 0x40, dataCoding: 8, source: TO, destination: FROM });
      expect(pdu.shortMessage.subarray(6)).to.deep.equal(expected[index].shortMessage.subarray(6));
      expect([...pdu.shortMessage.subarray(0, 6)].slice(4)).to.deep.equal([
        expected.length,
        index + 1,
      ]);
    });
  });

  it('unbinds on close and fails submits afterwards', async () => {
    const gateway = await bound();
    await gateway.close();
    expect(gateway.isBound()).to.equal(false);
    await waitFor(() => simulator.stats().boundSessions === 0);
    const { error } = await settle(gateway.submit(part(TO)));
    expectAppError(error, 'smpp_not_bound', true);
  });
});
