import { expect } from 'chai';
import smpp from 'smpp';
import { encodeMessage } from '../../../src/messaging/index.js';
import { createSilentLogger } from '../../../src/platform/index.js';
import type {
  SmscSimulator,
  SmscSimulatorOptions,
} from '../../../src/connectors/sandbox/smsc/index.js';
import {
  createSmppGateway,
  type InboundPdu,
  type SmsGateway,
} from '../../../src/connectors/smpp/gateway.js';
import { messageIdCandidates } from '../../../src/connectors/smpp/message-id.js';
import { bindConfig, delay, settle, startSimulator, USER, waitFor } from '../smpp/smpp-test-kit.js';

const FROM = '+14155550199';
const TO = '+14155550100';

/** A bare node-smpp client, to see the simulator's answers at the PDU level. */
async function connectRaw(port: number): Promise<smpp.Session> {
  const session = smpp.connect({ host: '127.0.0.1', port });
  session.on('error', () => undefined);
  await new Promise<void>((resolve) => session.once('connect', () => resolve()));
  return session;
}

function request(session: smpp.Session, command: string, params: Record<string, unknown> = {}) {
  return new Promise<smpp.PDU>((resolve) => session.send(new smpp.PDU(command, params), resolve));
}

describe('createSmscSimulator', () => {
  let simulator: SmscSimulator;
  let port: number;
  const gateways: SmsGateway[] = [];
  const rawSessions: smpp.Session[] = [];

  async function start(options: Partial<SmscSimulatorOptions> = {}): Promise<void> {
    ({ simulator, port } = await startSimulator(options));
  }

  async function boundGateway(): Promise<{ gateway: SmsGateway; inbound: InboundPdu[] }> {
    const gateway = createSmppGateway(bindConfig(port), { logger: createSilentLogger() });
    gateways.push(gateway);
    const inbound: InboundPdu[] = [];
    gateway.onInbound(async (pdu) => void inbound.push(pdu));
    await waitFor(() => gateway.isBound());
    return { gateway, inbound };
  }

  afterEach(async () => {
    for (const session of rawSessions.splice(0)) session.destroy();
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await simulator.stop();
  });

  describe('binding', () => {
    beforeEach(() => start());

    it('refuses a wrong password with ESME_RBINDFAIL and closes the connection', async () => {
      const session = await connectRaw(port);
      rawSessions.push(session);
      const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
      const response = await request(session, 'bind_transceiver', {
        system_id: USER.systemId,
        password: 'nope',
      });
      expect(response.command_status).to.equal(0x0d);
      await closed;
    });

    it('answers enquire_link and refuses submit_sm before a bind', async () => {
      const session = await connectRaw(port);
      rawSessions.push(session);
      expect((await request(session, 'enquire_link')).command_status).to.equal(0);
      const submit = await request(session, 'submit_sm', { destination_addr: '14155550100' });
      expect(submit.command_status).to.equal(0x04);
    });

    it('refuses a submit_sm whose body cannot be read with 0xC0 and keeps the session', async () => {
      const session = await connectRaw(port);
      rawSessions.push(session);
      await request(session, 'bind_transceiver', {
        system_id: USER.systemId,
        password: USER.password,
      });
      const whole = new smpp.PDU('submit_sm', {
        sequence_number: 41,
        destination_addr: '14155550100',
        short_message: Buffer.from('Hi'),
      }).toBuffer();
      // A message_state TLV cut to no value: node-smpp's reader throws on it.
      const frame = Buffer.concat([whole, Buffer.from([0x04, 0x27, 0x00, 0x00])]);
      frame.writeUInt32BE(frame.length, 0);
      const answer = new Promise<smpp.PDU>((resolve) => session.once('submit_sm_resp', resolve));
      session.socket.write(frame);
      expect(await answer).to.include({ sequence_number: 41, command_status: 0xc0 });
      expect((await request(session, 'enquire_link')).command_status).to.equal(0);
    });
  });

  describe('submissions', () => {
    it('reassembles a concatenated submit and sends one DLR per part', async () => {
      await start();
      const { gateway, inbound } = await boundGateway();
      const body = 'All work and no play makes Jack a dull boy. '.repeat(5);
      const { segments } = encodeMessage(body, 42);
      const ids: string[] = [];
      for (const segment of segments) {
        const { messageId } = await gateway.submit({
          source: FROM,
          destination: TO,
          registeredDelivery: true,
          ...segment,
        });
        ids.push(messageId);
      }
      expect(simulator.submissions()).to.deep.equal([
        {
          source: FROM,
          destination: TO,
          text: body,
          parts: segments.length,
          messageIds: ids,
          dataCoding: 0,
        },
      ]);
      await waitFor(() => inbound.length === segments.length);
      expect(inbound.map((pdu) => pdu.tlvs.receipted_message_id).sort()).to.deep.equal(
        [...ids].sort(),
      );
    });

    it('hands out UUIDs with idFormat uuid', async () => {
      await start({ idFormat: 'uuid' });
      const { gateway } = await boundGateway();
      const { messageId } = await gateway.submit({
        source: 'Trunkline',
        destination: TO,
        registeredDelivery: false,
        ...encodeMessage('hi', 1).segments[0],
      });
      expect(messageId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(simulator.submissions()[0].source).to.equal('Trunkline');
    });

    it('quotes hex ids in decimal in DLRs with dlrIdFormat decimal', async () => {
      await start({ dlrIdFormat: 'decimal' });
      const { gateway, inbound } = await boundGateway();
      const { messageId } = await gateway.submit({
        source: FROM,
        destination: TO,
        registeredDelivery: true,
        ...encodeMessage('hi', 1).segments[0],
      });
      await waitFor(() => inbound.length === 1);
      const receiptId = String(inbound[0].tlvs.receipted_message_id);
      expect(receiptId).to.equal(BigInt(`0x${messageId}`).toString(10));
      expect(inbound[0].shortMessage.toString('ascii')).to.contain(`id:${receiptId} `);
      expect(messageIdCandidates(receiptId)).to.include(messageId.replace(/^0+/, ''));
    });

    it('keeps a DLR while the ESME is away and delivers it after the rebind', async () => {
      await start({ dlrDelayMs: 40 });
      const { gateway, inbound } = await boundGateway();
      const { messageId } = await gateway.submit({
        source: FROM,
        destination: TO,
        registeredDelivery: true,
        ...encodeMessage('hi', 1).segments[0],
      });
      simulator.dropConnections();
      await waitFor(() => inbound.length === 1);
      expect(inbound[0].tlvs.receipted_message_id).to.equal(messageId);
    });
  });

  describe('injectMo', () => {
    beforeEach(() => start());

    it('rejects when no ESME is bound', async () => {
      const { error } = await settle(simulator.injectMo({ from: TO, to: FROM, body: 'hi' }));
      expect(error).to.be.instanceOf(Error);
    });

    it('sends a short GSM-7 message as one deliver_sm without UDH', async () => {
      const { inbound } = await boundGateway();
      await simulator.injectMo({ from: TO, to: FROM, body: 'STOP' });
      expect(inbound).to.have.length(1);
      expect(inbound[0]).to.include({ esmClass: 0, dataCoding: 0, source: TO, destination: FROM });
      expect(inbound[0].shortMessage.toString('latin1')).to.equal('STOP');
    });

    it('redelivers an MO part the ESME refused until it is acknowledged', async () => {
      const gateway = createSmppGateway(bindConfig(port), { logger: createSilentLogger() });
      gateways.push(gateway);
      let calls = 0;
      gateway.onInbound(async () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
      });
      await waitFor(() => gateway.isBound());
      await simulator.injectMo({ from: TO, to: FROM, body: 'hello' });
      expect(calls).to.equal(3);
      await delay(30);
      expect(calls).to.equal(3);
    });
  });
});
