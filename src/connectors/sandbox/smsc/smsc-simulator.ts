import type { AddressInfo } from 'node:net';
import smpp from 'smpp';
import { encodeMessage } from '../../../messaging/index.js';
import { systemClock } from '../../../platform/index.js';
import { canReceive, canTransmit, createClient, failWaiting, type BindMode } from './clients.js';
import type { SmscClient } from './clients.js';
import { createDeliverer } from './delivery.js';
import { createLatest } from './latest.js';
import { createMessageId, formatReceiptId } from './message-ids.js';
import { decideSubmitOutcome, type ReceiptStat, type SubmitOutcome } from './outcomes.js';
import { readSubmittedPart, toWireAddress, type SubmittedPart } from './pdu-fields.js';
import { installRawMessageCodec, installTolerantDecode, isMalformed } from '../../smpp/index.js';
import { formatReceiptText, MESSAGE_STATE, wantsReceipt } from './receipts.js';
import { createSubmissionLog } from './submission-log.js';
import { createTimerSet } from './timers.js';
import type { SmscSimulator, SmscSimulatorOptions } from './smsc-types.js';

const ESME_RINVCMDID = 0x03;
const ESME_RINVBNDSTS = 0x04;
const ESME_RALYBND = 0x05;
const ESME_RBINDFAIL = 0x0d;
const ESME_RINVOPTPARSTREAM = 0xc0;
const ESM_CLASS_RECEIPT = 0x04;
const BIND_MODES: Record<string, BindMode> = {
  bind_transceiver: 'transceiver',
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
};

/** Arrival times of the most recent `submit_sm`s kept for `stats()` (a benchmark run's worth). */
const SUBMIT_TIMES_KEPT = 100_000;

/** See {@link SmscSimulator}. Nothing listens until `start()`. */
export function createSmscSimulator(options: SmscSimulatorOptions): SmscSimulator {
  installRawMessageCodec();
  installTolerantDecode();
  const log = options.logger.child({ component: 'smsc-simulator' });
  const clock = options.clock ?? systemClock;
  const timers = createTimerSet();
  const clients = new Set<SmscClient>();
  const submissionLog = createSubmissionLog();
  const attempts = new Map<string, number>();
  const counters = { bindRefusals: 0, submitsReceived: 0, outstanding: 0, maxOutstanding: 0 };
  const submitTimes = createLatest<number>(SUBMIT_TIMES_KEPT);
  const deliverer = createDeliverer({
    logger: log,
    timers,
    redeliveryDelayMs: options.redeliveryDelayMs ?? 1_000,
    maxAttempts: options.maxDeliveryAttempts ?? 10,
    responseTimeoutMs: options.responseTimeoutMs ?? 10_000,
  });
  let server: smpp.Server | undefined;
  let responseDelayMs = 0;
  let silent = false;
  let stopped = false;
  let moReference = 0;

  function pickReceiver(systemId?: string, preferred?: SmscClient): SmscClient | undefined {
    if (stopped) return undefined;
    if (preferred && clients.has(preferred) && canReceive(preferred)) return preferred;
    for (const client of clients) {
      if (canReceive(client) && (systemId === undefined || client.systemId === systemId)) {
        return client;
      }
    }
    return undefined;
  }

  function acceptSession(session: smpp.Session): void {
    const client = createClient(session);
    clients.add(client);
    session.on('error', (err: Error) => {
      log.debug({ err: err.message }, 'ESME connection error');
      session.destroy();
    });
    session.on('close', () => {
      clients.delete(client);
      failWaiting(client, new Error('the connection closed'));
    });
    session.on('pdu', (pdu: smpp.PDU) => {
      if (!silent && !pdu.isResponse()) handleRequest(client, pdu);
    });
  }

  function handleRequest(client: SmscClient, pdu: smpp.PDU): void {
    if (isMalformed(pdu)) {
      client.session.send(pdu.response({ command_status: ESME_RINVOPTPARSTREAM }));
      return;
    }
    const mode = BIND_MODES[pdu.command];
    if (mode) return handleBind(client, pdu, mode);
    switch (pdu.command) {
      case 'enquire_link':
        client.session.send(pdu.response());
        return;
      case 'unbind':
        client.mode = undefined;
        client.session.send(pdu.response(), () => client.session.close());
        return;
      case 'submit_sm':
        return handleSubmit(client, pdu);
      default:
        client.session.send(pdu.response({ command_status: ESME_RINVCMDID }));
    }
  }

  function handleBind(client: SmscClient, pdu: smpp.PDU, mode: BindMode): void {
    if (client.mode) {
      client.session.send(pdu.response({ command_status: ESME_RALYBND }));
      return;
    }
    const user = options.users.find(
      (candidate) => candidate.systemId === pdu.system_id && candidate.password === pdu.password,
    );
    if (!user) {
      counters.bindRefusals += 1;
      log.info({ systemId: pdu.system_id }, 'bind refused: bad credentials');
      client.session.send(pdu.response({ command_status: ESME_RBINDFAIL }), () =>
        client.session.close(),
      );
      return;
    }
    client.mode = mode;
    client.systemId = user.systemId;
    client.session.send(pdu.response({ system_id: 'TrunklineSMSC' }));
    log.debug({ systemId: user.systemId, mode }, 'ESME bound');
  }

  function handleSubmit(client: SmscClient, pdu: smpp.PDU): void {
    if (!canTransmit(client)) {
      client.session.send(pdu.response({ command_status: ESME_RINVBNDSTS }));
      return;
    }
    const part = readSubmittedPart(pdu);
    counters.submitsReceived += 1;
    submitTimes.push(clock.now().getTime());
    const key = `${part.destination}|${part.shortMessage.toString('hex')}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    const outcome = decideSubmitOutcome(part.destination, attempt);
    if (outcome.kind === 'rejected') attempts.set(key, attempt);
    else attempts.delete(key);
    counters.outstanding += 1;
    counters.maxOutstanding = Math.max(counters.maxOutstanding, counters.outstanding);
    const respond = () => {
      counters.outstanding -= 1;
      answerSubmit(client, pdu, part, outcome);
    };
    if (responseDelayMs > 0) timers.after(responseDelayMs, respond);
    else respond();
  }

  function answerSubmit(
    client: SmscClient,
    pdu: smpp.PDU,
    part: SubmittedPart,
    outcome: SubmitOutcome,
  ): void {
    if (outcome.kind === 'rejected') {
      client.session.send(pdu.response({ command_status: outcome.commandStatus }));
      return;
    }
    const messageId = createMessageId(options.idFormat ?? 'hex');
    client.session.send(pdu.response({ message_id: messageId }));
    const submittedAt = clock.now();
    const text = submissionLog.record({ ...part, messageId });
    const stat = outcome.receipt;
    if (stat && wantsReceipt(part.registeredDelivery, stat)) {
      timers.after(options.dlrDelayMs ?? 20, () =>
        sendReceipt(client, part, { messageId, stat, submittedAt, text }),
      );
    }
  }

  function sendReceipt(
    client: SmscClient,
    part: SubmittedPart,
    receipt: { messageId: string; stat: ReceiptStat; submittedAt: Date; text: string },
  ): void {
    const id = formatReceiptId(receipt.messageId, options.dlrIdFormat ?? 'same');
    const text = formatReceiptText({ ...receipt, messageId: id, doneAt: clock.now() });
    const params = {
      source_addr_ton: part.destinationWire.ton,
      source_addr_npi: part.destinationWire.npi,
      source_addr: part.destinationWire.addr,
      dest_addr_ton: part.sourceWire.ton,
      dest_addr_npi: part.sourceWire.npi,
      destination_addr: part.sourceWire.addr,
      esm_class: ESM_CLASS_RECEIPT,
      data_coding: 0,
      short_message: Buffer.from(text, 'ascii'),
      receipted_message_id: id,
      message_state: MESSAGE_STATE[receipt.stat],
    };
    const systemId = client.systemId;
    deliverer
      .deliver({ kind: 'dlr', params, pickTarget: () => pickReceiver(systemId, client) })
      .catch((err: Error) => log.warn({ err: err.message, messageId: id }, 'DLR dropped'));
  }

  async function injectMo(input: Parameters<SmscSimulator['injectMo']>[0]): Promise<void> {
    if (!pickReceiver()) throw new Error('No ESME is bound to receive this message.');
    const segments = input.raw
      ? [{ esmClass: 0, ...input.raw }]
      : encodeMessage(input.body, moReference).segments;
    moReference = (moReference + 1) & 0xff;
    const from = toWireAddress(input.from);
    const to = toWireAddress(input.to);
    for (const segment of segments) {
      const params = {
        source_addr_ton: from.ton,
        source_addr_npi: from.npi,
        source_addr: from.addr,
        dest_addr_ton: to.ton,
        dest_addr_npi: to.npi,
        destination_addr: to.addr,
        esm_class: segment.esmClass,
        data_coding: segment.dataCoding,
        short_message: segment.shortMessage,
      };
      await deliverer.deliver({ kind: 'mo', params, pickTarget: () => pickReceiver() });
    }
  }

  return {
    async start() {
      const listening = smpp.createServer(acceptSession);
      server = listening;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
          listening.off('error', reject);
          resolve();
        });
      });
      listening.on('error', (err: Error) => log.error({ err: err.message }, 'SMSC server error'));
      const { port } = listening.address() as AddressInfo;
      log.info({ port }, 'SMSC simulator listening');
      return { port };
    },
    async stop() {
      stopped = true;
      timers.clearAll(new Error('the SMSC simulator stopped'));
      for (const client of clients) client.session.destroy();
      const listening = server;
      server = undefined;
      if (listening?.listening)
        await new Promise<void>((resolve) => listening.close(() => resolve()));
    },
    injectMo,
    submissions: () => submissionLog.list(),
    dropConnections() {
      for (const client of clients) client.session.destroy();
    },
    setResponseDelay(ms) {
      responseDelayMs = ms;
    },
    setSilent(value) {
      silent = value;
    },
    stats: () => ({
      boundSessions: [...clients].filter((client) => client.mode !== undefined).length,
      bindRefusals: counters.bindRefusals,
      submitsReceived: counters.submitsReceived,
      outstandingSubmits: counters.outstanding,
      maxOutstandingSubmits: counters.maxOutstanding,
      submitTimes: [...submitTimes.list()],
    }),
  };
}
