import { isDeliveryReceipt, parseDeliveryReceipt, type InboundPdu } from '../connectors/index.js';
import type { NumberRow } from '../numbers/index.js';
import {
  storableText,
  type Clock,
  type Db,
  type IdGenerator,
  type Logger,
} from '../platform/index.js';
import { analyzeText, decodeShortMessage, parseUdh } from './encoding/index.js';
import { createReassembler } from './inbound/index.js';
import type { RecordMessageEvent } from './message-events.js';
import type { MessageRow, MessagesStore } from './messages.store.js';
import { AUTO_REPLIES, keywordOf } from './opt-out.js';
import type { Receipts } from './receipts.js';
import type { SendMessage } from './send-message.js';

const UDHI = 0x40;

export interface InboundSms {
  connectorId: string;
  from: string;
  to: string;
  body: string;
}

/**
 * Everything an SMSC delivers: receipts go to the shared receipt transition; other messages are
 * reassembled (UDH 8/16-bit references or SAR TLVs), decoded by data_coding, matched to a
 * project number and stored as `received` with a `message.received` webhook. STOP/START/HELP
 * change consent and get an automatic reply; the inbound message still reaches the webhook.
 * A message to no known number is kept as unrouted, never dropped.
 */
export function createInboundHandler(deps: {
  db: Db;
  store: MessagesStore;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  recordEvent: RecordMessageEvent;
  receipts: Receipts;
  sendMessage: SendMessage;
  findNumber(number: string): Promise<NumberRow | undefined>;
  /** Chat takes SMS from a phone participant; true when it did. */
  handleConversationSms(input: {
    projectId: string;
    from: string;
    to: string;
    body: string;
    messageId: string;
  }): Promise<boolean>;
  reassemblyTtlMs?: number;
}) {
  const reassembler = createReassembler({ ttlMs: deps.reassemblyTtlMs ?? 10 * 60_000 });

  function assemble(pdu: InboundPdu): string | null {
    const key = `${pdu.connectorId}|${pdu.source}|${pdu.destination}`;
    const receivedAt = deps.clock.now();
    if (pdu.esmClass & UDHI) {
      const { concat, payload } = parseUdh(pdu.shortMessage);
      if (!concat) return decodeShortMessage(pdu.dataCoding, payload);
      const done = reassembler.add({
        key,
        ...concat,
        dataCoding: pdu.dataCoding,
        payload,
        receivedAt,
      });
      return done ? done.text : null;
    }
    const ref = pdu.tlvs.sar_msg_ref_num;
    if (typeof ref === 'number') {
      const total = Number(pdu.tlvs.sar_total_segments);
      const sequence = Number(pdu.tlvs.sar_segment_seqnum);
      const done = reassembler.add({
        key,
        reference: ref,
        total,
        sequence,
        dataCoding: pdu.dataCoding,
        payload: pdu.shortMessage,
        receivedAt,
      });
      return done ? done.text : null;
    }
    return decodeShortMessage(pdu.dataCoding, pdu.shortMessage);
  }

  async function autoReply(number: NumberRow, to: string, body: string): Promise<void> {
    const keyword = keywordOf(body);
    if (!keyword) return;
    const text = keyword === 'help' && number.help_text ? number.help_text : AUTO_REPLIES[keyword];
    await deps.sendMessage
      .send({
        projectId: number.project_id,
        from: number.number,
        to,
        body: text,
        bypassOptOut: true,
      })
      .catch((err: unknown) =>
        deps.logger.warn({ err, number: number.number }, 'automatic reply not sent'),
      );
  }

  async function receive(sms: InboundSms): Promise<void> {
    // Kept whatever it holds: an 8-bit or UCS-2 message may carry NUL, which no text column
    // can store (it was refused, and the SMSC redelivered the message forever).
    const body = storableText(sms.body);
    const to = sms.to.startsWith('+') ? sms.to : `+${sms.to}`;
    const number = await deps.findNumber(to);
    const now = deps.clock.now();
    if (!number) {
      await deps.store.insertUnrouted({
        id: deps.ids('msg'),
        connector_id: sms.connectorId,
        from_addr: sms.from,
        to_addr: to,
        body,
        received_at: now,
      });
      deps.logger.warn(
        { to, connector: sms.connectorId },
        'inbound SMS to an unknown number kept as unrouted',
      );
      return;
    }
    const analysis = analyzeText(body);
    const row: MessageRow = {
      id: deps.ids('msg'),
      project_id: number.project_id,
      direction: 'inbound',
      to_addr: number.number,
      from_addr: sms.from,
      body,
      status: 'received',
      encoding: analysis.encoding,
      segments: analysis.segments,
      num_media: 0,
      error_code: null,
      error_message: null,
      connector: sms.connectorId,
      status_callback: null,
      validity_period: null,
      send_at: null,
      expires_at: null,
      udh_reference: 0,
      created_at: now,
      updated_at: now,
      sent_at: null,
      delivered_at: null,
      next_attempt_at: null,
      send_attempts: 0,
      consent_exempt: false,
    };
    const keyword = keywordOf(body);
    await deps.db.transaction(async (trx) => {
      await deps.store.insert(trx, row);
      await deps.recordEvent(trx, row, 'message.received');
      const consent = { project_id: number.project_id, number: number.number, recipient: sms.from };
      if (keyword === 'stop') await deps.store.optOut(trx, { ...consent, created_at: now });
      if (keyword === 'start')
        await deps.store.optIn(trx, consent.project_id, consent.number, consent.recipient);
    });
    deps.logger.info(
      { message_id: row.id, project_id: row.project_id, keyword },
      'inbound SMS received',
    );
    await autoReply(number, sms.from, body);
    await deps.handleConversationSms({
      projectId: number.project_id,
      from: sms.from,
      to: number.number,
      body,
      messageId: row.id,
    });
  }

  return {
    receive,
    /** The handler for every deliver_sm of every bind. */
    async handlePdu(pdu: InboundPdu): Promise<void> {
      if (isDeliveryReceipt(pdu.esmClass)) {
        const receipt = parseDeliveryReceipt({
          text: pdu.shortMessage.toString('latin1'),
          tlvs: pdu.tlvs as never,
        });
        if (!receipt)
          return void deps.logger.warn(
            { connector: pdu.connectorId },
            'receipt without a message id ignored',
          );
        await deps.receipts.apply({
          connectorId: pdu.connectorId,
          smscId: receipt.messageId,
          outcome: receipt.outcome,
          state: receipt.state,
          errorCode: receipt.errorCode,
        });
        return;
      }
      const body = assemble(pdu);
      if (body !== null)
        await receive({
          connectorId: pdu.connectorId,
          from: pdu.source,
          to: pdu.destination,
          body,
        });
    },
    /** Delivers what arrived of messages whose other parts never came (called on a timer). */
    async flushExpired(): Promise<void> {
      for (const partial of reassembler.expire(deps.clock.now())) {
        const [connectorId, from, to] = partial.key.split('|');
        deps.logger.warn(
          { from, to, parts: partial.partsReceived, total: partial.total },
          'delivering an incomplete multi-part SMS',
        );
        await receive({ connectorId, from, to, body: partial.text });
      }
    },
  };
}

export type InboundHandler = ReturnType<typeof createInboundHandler>;
