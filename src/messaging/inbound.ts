import { isDeliveryReceipt, parseDeliveryReceipt, type InboundPdu } from '../connectors/index.js';
import type { NumberRow } from '../numbers/index.js';
import {
  storableText,
  type Clock,
  type Db,
  type IdGenerator,
  type Logger,
  type Trx,
} from '../platform/index.js';
import { analyzeText, decodeShortMessage, parseUdh } from './encoding/index.js';
import {
  createReassembler,
  groupIdOf,
  type InboundPartsStore,
  type MoPart,
} from './inbound/index.js';
import type { RecordMessageEvent } from './message-events.js';
import type { MessageRow, MessagesStore } from './messages.store.js';
import { AUTO_REPLIES, keywordOf, type Keyword } from './opt-out.js';
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
  /** Where parts of concatenated messages wait, durably, for the rest. */
  parts: InboundPartsStore;
  findNumber(number: string): Promise<NumberRow | undefined>;
  /**
   * In the transaction storing an inbound SMS: chat queues its posting into the conversation
   * of a phone participant, if one holds (from, to); true then.
   */
  queueConversationSms(
    trx: Trx,
    input: { projectId: string; from: string; to: string; body: string; messageId: string },
  ): Promise<boolean>;
  reassemblyTtlMs?: number;
  /**
   * The bind that names a bind's SMSC account (see `bindsByAccount`): the parts of one long
   * message may come on any bind of the account, and are joined across them.
   */
  accountOf?: (connectorId: string) => string;
}) {
  const accountOf = deps.accountOf ?? ((connectorId: string) => connectorId);
  const ttlMs = deps.reassemblyTtlMs ?? 10 * 60_000;
  const reassembler = createReassembler({ ttlMs });

  /** A message's text, and the group of stored parts it was made of (none for one part). */
  type Assembled = { text: string; group?: string };

  /**
   * One part of a concatenated message: stored before the SMSC is answered (so a restart
   * loses nothing), then joined with the parts held in memory and, if that does not complete
   * it, with those stored by any worker; the text once the message is whole, else null.
   */
  async function addPart(part: MoPart): Promise<Assembled | null> {
    if (part.total < 2 || part.sequence < 1 || part.sequence > part.total) {
      return reassembler.add(part); // a part of no message: delivered on its own
    }
    // A copy the SMSC sent again (our answer to it was lost) of a message this worker has
    // completed: stored, it would come out alone when the 10 minutes are up.
    if (reassembler.isResentCopy(part)) return null;
    await deps.parts.save(part);
    const group = groupIdOf(part);
    let done = reassembler.add(part);
    for (const held of done ? [] : await deps.parts.partsOf(group)) {
      done = reassembler.add(held);
      if (done) break;
    }
    return done ? { text: done.text, group } : null;
  }

  async function assemble(pdu: InboundPdu): Promise<Assembled | null> {
    const key = `${accountOf(pdu.connectorId)}|${pdu.source}|${pdu.destination}`;
    const receivedAt = deps.clock.now();
    if (pdu.esmClass & UDHI) {
      const { concat, payload } = parseUdh(pdu.shortMessage);
      if (!concat) return { text: decodeShortMessage(pdu.dataCoding, payload) };
      return addPart({ key, ...concat, dataCoding: pdu.dataCoding, payload, receivedAt });
    }
    const ref = pdu.tlvs.sar_msg_ref_num;
    if (typeof ref === 'number') {
      return addPart({
        key,
        reference: ref,
        total: Number(pdu.tlvs.sar_total_segments),
        sequence: Number(pdu.tlvs.sar_segment_seqnum),
        dataCoding: pdu.dataCoding,
        payload: pdu.shortMessage,
        receivedAt,
      });
    }
    return { text: decodeShortMessage(pdu.dataCoding, pdu.shortMessage) };
  }

  /** The text of stored parts, whole or with the missing ones skipped. */
  function textOf(parts: MoPart[]): string {
    const joiner = createReassembler({ ttlMs: 0 });
    for (const part of parts) {
      const done = joiner.add(part);
      if (done) return done.text;
    }
    return joiner.expire(deps.clock.now())[0]?.text ?? '';
  }

  /**
   * The automatic answer to STOP, START or HELP, ready to be saved with the inbound message
   * (in its transaction: stored once, whatever fails after); null when none is due or it
   * cannot be sent (logged).
   */
  async function autoReply(number: NumberRow, to: string, keyword: Keyword | null) {
    if (!keyword) return null;
    const text = keyword === 'help' && number.help_text ? number.help_text : AUTO_REPLIES[keyword];
    return deps.sendMessage
      .prepare({
        projectId: number.project_id,
        from: number.number,
        to,
        body: text,
        bypassOptOut: true,
      })
      .catch((err: unknown) => {
        deps.logger.warn({ err, number: number.number }, 'automatic reply not sent');
        return null;
      });
  }

  /**
   * Stores an inbound SMS. `group` names the stored parts it was made of: they are deleted in
   * the same transaction, and if another worker has taken them already nothing is stored.
   */
  async function receive(sms: InboundSms, group?: string): Promise<void> {
    // Kept whatever it holds: an 8-bit or UCS-2 message may carry NUL, which no text column
    // can store (it was refused, and the SMSC redelivered the message forever).
    const body = storableText(sms.body);
    const to = sms.to.startsWith('+') ? sms.to : `+${sms.to}`;
    const number = await deps.findNumber(to);
    const now = deps.clock.now();
    const takeParts = async (trx: Trx) => !group || (await deps.parts.take(trx, group)) > 0;
    if (!number) {
      const unrouted = {
        id: deps.ids('msg'),
        connector_id: sms.connectorId,
        from_addr: sms.from,
        to_addr: to,
        body,
        received_at: now,
      };
      const kept = group
        ? await deps.db.transaction(async (trx) => {
            if (!(await takeParts(trx))) return false;
            await deps.store.insertUnrouted(unrouted, trx);
            return true;
          })
        : (await deps.store.insertUnrouted(unrouted), true);
      if (!kept) return;
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
    const reply = await autoReply(number, sms.from, keyword);
    // Everything the message sets off is written with it: once it is stored, the SMSC is
    // answered, and nothing that fails after could make it deliver the message again.
    const stored = await deps.db.transaction(async (trx) => {
      if (!(await takeParts(trx))) return false;
      await deps.store.insert(trx, row);
      await deps.recordEvent(trx, row, 'message.received');
      const consent = { project_id: number.project_id, number: number.number, recipient: sms.from };
      if (keyword === 'stop') await deps.store.optOut(trx, { ...consent, created_at: now });
      if (keyword === 'start')
        await deps.store.optIn(trx, consent.project_id, consent.number, consent.recipient);
      if (reply) await deps.sendMessage.save(trx, reply);
      await deps.queueConversationSms(trx, {
        projectId: number.project_id,
        from: sms.from,
        to: number.number,
        body,
        messageId: row.id,
      });
      return true;
    });
    if (!stored) return;
    deps.logger.info(
      { message_id: row.id, project_id: row.project_id, keyword },
      'inbound SMS received',
    );
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
      const assembled = await assemble(pdu);
      if (assembled !== null)
        await receive(
          {
            connectorId: pdu.connectorId,
            from: pdu.source,
            to: pdu.destination,
            body: assembled.text,
          },
          assembled.group,
        );
    },
    /**
     * Delivers what arrived of messages whose other parts never came (called on a timer), from
     * the stored parts of every worker: once, by whichever worker takes them.
     */
    async flushExpired(): Promise<void> {
      const now = deps.clock.now();
      reassembler.expire(now); // the memory's copy; the stored parts decide
      const cutoff = new Date(now.getTime() - ttlMs);
      for (const group of await deps.parts.groupsBefore(cutoff)) {
        const parts = await deps.parts.partsOf(group);
        if (parts.length === 0) continue;
        const [connectorId, from, to] = parts[0].key.split('|');
        deps.logger.warn(
          { from, to, parts: parts.length, total: parts[0].total },
          'delivering an incomplete multi-part SMS',
        );
        await receive({ connectorId, from, to, body: textOf(parts) }, group);
      }
    },
  };
}

export type InboundHandler = ReturnType<typeof createInboundHandler>;
