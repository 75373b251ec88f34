import { randomInt } from 'node:crypto';
import type { NumberRow } from '../numbers/index.js';
import {
  createGroupCommit,
  orOneByOne,
  parseInstant,
  refuseField,
  isAlphanumericSender,
  toE164,
  storeAnswersSql,
  type Clock,
  type AnswerWith,
  type Db,
  type IdGenerator,
  type Trx,
} from '../platform/index.js';
import { MAX_SEGMENTS, analyzeText } from './encoding/index.js';
import type { RecordMessageEvent } from './message-events.js';
import { SMS_CHANNEL, type MessageRow, type MessagesStore } from './messages.store.js';

/**
 * The 8-bit concatenation reference of this process's next message: consecutive, from a
 * random start, so 256 messages in a row never share one. (A random one per message gave
 * 60 concurrent two-part messages to one phone only 52 distinct references, and a phone
 * could splice two of them together.)
 */
let udhReference = randomInt(256);
function nextUdhReference(): number {
  const reference = udhReference;
  udhReference = (udhReference + 1) % 256;
  return reference;
}

/** Longest body accepted, in characters (code points), like Twilio's 1,600. */
export const MAX_BODY_CHARACTERS = 1600;
/** How long an unsent message may wait for a carrier when no validity_period is given (10 h). */
export const DEFAULT_VALIDITY_SECONDS = 36_000;
const MIN_SCHEDULE_MS = 60_000;
const MAX_SCHEDULE_MS = 35 * 24 * 3600_000;

export interface SendMessageInput {
  projectId: string;
  to: string;
  from: string;
  body: string;
  statusCallback?: string | null;
  sendAt?: string | null;
  validityPeriod?: number | null;
  mediaUrls?: string[];
  /** Automatic replies to STOP/START/HELP are sent even to an opted-out recipient. */
  bypassOptOut?: boolean;
}

/** A message to save, with the answer to store with it for the request's Idempotency-Key. */
interface Saving {
  row: MessageRow;
  answer?: AnswerWith<MessageRow>;
}

/**
 * The send use case: validate the addresses and body, check ownership and schedule, then save
 * the message (only with the recipient's consent), its event and its webhook in one
 * statement; the send dispatcher takes it from there. Used by the API, by
 * automatic replies, by chat (SMS participants) and by call flows (the `sms` verb).
 */
export function createSendMessage(deps: {
  db: Db;
  store: MessagesStore;
  ids: IdGenerator;
  clock: Clock;
  recordEvent: RecordMessageEvent;
  findOwnedNumber(projectId: string, number: string): Promise<NumberRow | undefined>;
  /** Throws 422 `invalid_callback_url`, naming the field at `path` (a JSON pointer). */
  checkCallbackUrl(url: string, path: string): Promise<void>;
}) {
  async function checkSender(projectId: string, from: string): Promise<string> {
    if (from.startsWith('+')) {
      const number = toE164(from);
      if (!number) refuseField('/from', 'invalid_from', 'from is not a valid E.164 number.');
      if (!(await deps.findOwnedNumber(projectId, number))) {
        refuseField('/from', 'unknown_sender', `${number} is not a number of this project.`);
      }
      return number;
    }
    if (!isAlphanumericSender(from)) {
      refuseField(
        '/from',
        'invalid_from',
        'from must be a project number or an alphanumeric sender id of 1-11 characters.',
      );
    }
    return from;
  }

  function scheduleOf(sendAt: string | null | undefined, now: Date): Date | null {
    if (!sendAt) return null;
    const at = parseInstant(sendAt);
    const ahead = at.getTime() - now.getTime();
    if (Number.isNaN(ahead) || ahead < MIN_SCHEDULE_MS || ahead > MAX_SCHEDULE_MS) {
      refuseField(
        '/send_at',
        'invalid_send_at',
        'send_at must be between 1 minute and 35 days from now.',
      );
    }
    return at;
  }

  async function prepare(input: SendMessageInput): Promise<MessageRow> {
    const to =
      toE164(input.to) ?? refuseField('/to', 'invalid_to', 'to is not a valid E.164 number.');
    const from = await checkSender(input.projectId, input.from);
    if ([...input.body].length > MAX_BODY_CHARACTERS) {
      refuseField(
        '/body',
        'body_too_long',
        `body is longer than ${MAX_BODY_CHARACTERS} characters.`,
      );
    }
    if ((input.mediaUrls ?? []).length > 0) {
      refuseField(
        '/media_urls',
        'mms_not_supported',
        'MMS is not supported by the SMPP connectors yet.',
      );
    }
    if (input.statusCallback) await deps.checkCallbackUrl(input.statusCallback, '/status_callback');
    const now = deps.clock.now();
    const sendAt = scheduleOf(input.sendAt, now);
    const analysis = analyzeText(input.body);
    if (analysis.segments > MAX_SEGMENTS)
      refuseField('/body', 'body_too_long', 'body needs more than 255 segments.');
    const validity = input.validityPeriod ?? DEFAULT_VALIDITY_SECONDS;
    return {
      id: deps.ids('msg'),
      project_id: input.projectId,
      direction: 'outbound',
      to_addr: to,
      from_addr: from,
      body: input.body,
      status: sendAt ? 'scheduled' : 'queued',
      encoding: analysis.encoding,
      segments: analysis.segments,
      num_media: 0,
      error_code: null,
      error_message: null,
      connector: null,
      status_callback: input.statusCallback ?? null,
      validity_period: input.validityPeriod ?? null,
      send_at: sendAt,
      expires_at: new Date((sendAt ?? now).getTime() + validity * 1000),
      udh_reference: nextUdhReference(),
      created_at: now,
      updated_at: now,
      sent_at: null,
      delivered_at: null,
      // The send dispatcher takes it up at once, or at its scheduled time.
      next_attempt_at: sendAt ?? now,
      send_attempts: 0,
      consent_exempt: input.bypassOptOut === true,
    };
  }

  /**
   * Saves messages in one statement: each message (only with its recipient's consent, unless
   * it is `consent_exempt`), its event, its webhook and the answer to its Idempotency-Key, and
   * wakes the send dispatchers (the row itself, due at `next_attempt_at`, is the work to do);
   * whether each was saved (false: the recipient opted out). The text is the same for any
   * batch, so it is prepared.
   */
  async function saveMany(trx: Trx | undefined, batch: readonly Saving[]): Promise<boolean[]> {
    const rows = batch.map((item) => item.row);
    const messages = deps.store.insertManySql(rows);
    const answers = storeAnswersSql(
      batch.flatMap(({ row, answer }) => (answer ? [{ answer, row }] : [])),
      deps.clock.now(),
      'a.resource_id in (select id from inserted)',
    );
    const recorded = await deps.recordEvent.setSql(
      trx,
      rows.map((row) => [
        { message: row, type: row.status === 'scheduled' ? 'message.scheduled' : 'message.queued' },
      ]),
      { onlyFor: 'inserted', name: 'recorded' },
    );
    const { rows: saved } = await (trx ?? deps.db)
      .raw<{ rows: Array<{ id: string | null }> }>(
        `with inserted as (${messages.sql}), ${recorded.sql},
         woken as (select pg_notify(?, '') where exists (select 1 from inserted)),
         answered as (${answers.sql})
         select id from inserted
         union all select null from recorded
         union all select null from woken
         union all select null from answered`,
        [...messages.bindings, ...recorded.bindings, SMS_CHANNEL, ...answers.bindings],
      )
      .options({ name: 'sms_save' });
    const inserted = new Set(saved.map((r) => r.id));
    return rows.map((row) => inserted.has(row.id));
  }

  /**
   * Messages sent outside a caller's transaction that arrive while a save is running are saved
   * together by the next one (group commit); a batch the database refuses is saved again one
   * message at a time, so only the message at fault fails.
   */
  const saving = createGroupCommit<Saving, boolean>(
    orOneByOne((batch) => saveMany(undefined, batch)),
    { maxBatchSize: 100 },
  );

  /**
   * Saves a prepared message with its event and its webhook, in one statement that also
   * checks consent unless it is `consent_exempt` (in `trx` when given, else on its own, shared
   * with the messages saved at the same moment). False, with nothing written, when the
   * recipient opted out of the sender.
   */
  async function save(
    trx: Trx | undefined,
    row: MessageRow,
    answer?: AnswerWith<MessageRow>,
  ): Promise<boolean> {
    if (!trx) return saving.write({ row, answer });
    return (await saveMany(trx, [{ row, answer }]))[0];
  }

  return {
    prepare,
    save,
    /**
     * Sends a message; with `answerWith`, the answer to the request's Idempotency-Key is
     * stored with it, so a retry after a crash replays it instead of sending a second one.
     */
    async send(input: SendMessageInput, answerWith?: AnswerWith<MessageRow>): Promise<MessageRow> {
      const row = await prepare(input);
      const saved = await save(undefined, row, answerWith);
      if (!saved) {
        refuseField(
          '/to',
          'recipient_opted_out',
          `${row.to_addr} has opted out of messages from ${row.from_addr}.`,
        );
      }
      return row;
    },
  };
}

export type SendMessage = ReturnType<typeof createSendMessage>;
