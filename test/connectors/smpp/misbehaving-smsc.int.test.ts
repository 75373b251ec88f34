import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import smpp from 'smpp';
import { encodeMessage } from '../../../src/messaging/index.js';
import { AppError, createSilentLogger } from '../../../src/platform/index.js';
import {
  createSmppGateway,
  type SmsGateway,
  type SubmitPart,
} from '../../../src/connectors/smpp/gateway.js';
import { bindConfig, delay, settle, waitFor } from './smpp-test-kit.js';

/**
 * An SMSC that breaks the rules on cue, on node-smpp's server: it binds anyone, answers
 * enquire_link, and answers submit_sm as `onSubmit` says.
 */
async function startMisbehavingSmsc(
  onSubmit: (session: smpp.Session, pdu: smpp.PDU) => void,
  onBind: (session: smpp.Session, pdu: smpp.PDU) => void = (session, pdu) =>
    session.send(pdu.response()),
) {
  const sessions: smpp.Session[] = [];
  let binds = 0;
  const server = smpp.createServer((session: smpp.Session) => {
    sessions.push(session);
    session.on('error', () => undefined);
    session.on('bind_transceiver', (pdu: smpp.PDU) => {
      binds += 1;
      onBind(session, pdu);
    });
    session.on('enquire_link', (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on('unbind', (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on('submit_sm', (pdu: smpp.PDU) => onSubmit(session, pdu));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    binds: () => binds,
    async stop() {
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A deliver_sm (an MO) from the SMSC, with our own sequence number. */
function deliverSm(sequence: number, text: string): smpp.PDU {
  return new smpp.PDU('deliver_sm', {
    sequence_number: sequence,
    source_addr: '14155550100',
    destination_addr: '14155550199',
    short_message: Buffer.from(text),
  });
}

function part(body = 'Hello'): SubmitPart {
  const { segments } = encodeMessage(body, 1);
  return {
    source: '+14155550199',
    destination: '+14155550100',
    registeredDelivery: true,
    ...segments[0],
  };
}

describe('the SMPP gateway against an SMSC that breaks the rules', () => {
  let smsc: Awaited<ReturnType<typeof startMisbehavingSmsc>>;
  let gateway: SmsGateway | undefined;
  let ids = 0;

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    await smsc.stop();
  });

  async function bound(): Promise<SmsGateway> {
    gateway = createSmppGateway(bindConfig(smsc.port), { logger: createSilentLogger() });
    await waitFor(() => gateway!.isBound());
    return gateway;
  }

  it('ignores an outbind on a bound session, stays bound and keeps submitting', async () => {
    smsc = await startMisbehavingSmsc((session, pdu) =>
      session.send(pdu.response({ message_id: `id-${++ids}` })),
    );
    const gw = await bound();
    smsc.sessions[0].send(new smpp.PDU('outbind', { system_id: 'SMSC', password: 'pw' }));
    await delay(50);
    expect(gw.isBound()).to.equal(true);
    expect((await gw.submit(part())).messageId).to.match(/^id-/);
  });

  it('does not take a generic_nack to a submit_sm as an accepted message', async () => {
    smsc = await startMisbehavingSmsc((session, pdu) =>
      session.send(
        new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: 0 }),
      ),
    );
    const gw = await bound();
    const { error } = await settle(gw.submit(part()));
    expect(error).to.be.instanceOf(AppError);
    expect(error).to.include({ code: 'smpp_unexpected_response', retryable: true });
  });

  it('backs off when the SMSC closes every connection right after the bind', async () => {
    // Each bind is answered OK, and the session closed 10 ms later.
    smsc = await startMisbehavingSmsc(
      () => undefined,
      (session, pdu) => {
        session.send(pdu.response());
        setTimeout(() => session.close(), 10);
      },
    );
    gateway = createSmppGateway(
      bindConfig(smsc.port, { reconnect: { initialMs: 20, maxMs: 400 } }),
      { logger: createSilentLogger() },
    );
    await delay(1_000);
    // Without growth, a bind every ~30 ms: over 25 in a second. With back-off, far fewer.
    expect(smsc.binds()).to.be.below(15);
  });

  it('holds a deliver_sm while the database is unavailable and answers it once, when stored', async () => {
    smsc = await startMisbehavingSmsc((session, pdu) => session.send(pdu.response()));
    const gw = await bound();
    let tries = 0;
    gw.onInbound(async () => {
      tries += 1;
      if (tries <= 2) {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
          code: 'ECONNREFUSED',
        });
      }
    });
    const answers: smpp.PDU[] = [];
    const session = smsc.sessions[0];
    session.on('deliver_sm_resp', (pdu: smpp.PDU) => answers.push(pdu));
    session.send(deliverSm(7101, 'held, not refused'));
    await waitFor(() => answers.length === 1, 5_000);
    await delay(100);
    expect(tries).to.equal(3);
    expect(answers.map((a) => a.command_status)).to.deep.equal([0]);
  });

  it('refuses a deliver_sm at once when its handler fails for another reason', async () => {
    smsc = await startMisbehavingSmsc((session, pdu) => session.send(pdu.response()));
    const gw = await bound();
    let tries = 0;
    gw.onInbound(async () => {
      tries += 1;
      throw new Error('a bug');
    });
    const answers: smpp.PDU[] = [];
    smsc.sessions[0].on('deliver_sm_resp', (pdu: smpp.PDU) => answers.push(pdu));
    smsc.sessions[0].send(deliverSm(7102, 'refused'));
    await waitFor(() => answers.length === 1);
    expect(tries).to.equal(1);
    expect(answers[0].command_status).to.equal(0x64);
  });

  describe('when a PDU arrives whose body node-smpp cannot read', () => {
    /** A deliver_sm ending in a message_state TLV cut to no value: node-smpp's reader throws. */
    function cutShortDeliverSm(sequence: number): Buffer {
      const whole = deliverSm(sequence, 'Hello').toBuffer();
      const frame = Buffer.concat([whole, Buffer.from([0x04, 0x27, 0x00, 0x00])]);
      frame.writeUInt32BE(frame.length, 0);
      return frame;
    }

    it('refuses it with 0xC0, stays bound and takes the next deliver_sm', async () => {
      smsc = await startMisbehavingSmsc((session, pdu) =>
        session.send(pdu.response({ message_id: `id-${++ids}` })),
      );
      const gw = await bound();
      const taken: unknown[] = [];
      gw.onInbound(async (pdu) => void taken.push(pdu));
      const answers: smpp.PDU[] = [];
      const session = smsc.sessions[0];
      session.on('deliver_sm_resp', (pdu: smpp.PDU) => answers.push(pdu));

      session.socket.write(cutShortDeliverSm(7001));
      await waitFor(() => answers.length === 1);
      expect(answers[0]).to.include({ sequence_number: 7001, command_status: 0xc0 });
      expect(taken).to.have.length(0);

      session.send(deliverSm(7002, 'Hello again'));
      await waitFor(() => answers.length === 2);
      expect(answers[1]).to.include({ sequence_number: 7002, command_status: 0 });
      expect(taken).to.have.length(1);
      expect(gw.isBound()).to.equal(true);
      expect((await gw.submit(part())).messageId).to.match(/^id-/);
    });

    it('takes a submit_sm_resp with status 0 and an unreadable body as accepted', async () => {
      smsc = await startMisbehavingSmsc((session, pdu) => {
        const whole = pdu.response({ message_id: 'abc' }).toBuffer();
        const frame = Buffer.concat([whole, Buffer.from([0x04, 0x27, 0x00, 0x00])]);
        frame.writeUInt32BE(frame.length, 0);
        session.socket.write(frame);
      });
      const gw = await bound();
      const { value, error } = await settle(gw.submit(part()));
      expect(error).to.equal(undefined);
      expect(value).to.have.property('messageId');
      expect(gw.isBound()).to.equal(true);
    });
  });

  it('is not bound by a generic_nack to its bind_transceiver', async () => {
    smsc = await startMisbehavingSmsc(
      () => undefined,
      (session, pdu) =>
        session.send(
          new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: 0 }),
        ),
    );
    gateway = createSmppGateway(bindConfig(smsc.port), { logger: createSilentLogger() });
    await waitFor(() => smsc.binds() >= 2);
    expect(gateway.isBound()).to.equal(false);
  });
});
