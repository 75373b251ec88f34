import { MAX_BODY_CHARACTERS, analyzeText } from '../messaging/index.js';
import {
  codePoints,
  headWithin,
  UnprocessableError,
  type JobHandler,
  type Trx,
} from '../platform/index.js';
import type { ChatContext } from './context.js';
import type { SmsMember } from './append-message.store.js';
import type { MessageRow } from './messages.store.js';

export const CHAT_SMS_QUEUE = 'chat-sms';
export const CHAT_SMS_JOB = 'chat.sms.send';

/** The SMS text of a chat message: the author's name first, so the phone knows who spoke. */
export function smsTextOf(author: string, body: string | null, attachments: number): string {
  const parts = [
    body?.trim() ?? '',
    attachments > 0 ? `[${attachments} attachment${attachments > 1 ? 's' : ''}]` : '',
  ]
    .filter((p) => p !== '')
    .join(' ');
  return `${author}: ${parts}`;
}

/** The longest start of `text` of at most `room` code points, cut between graphemes. */
const headOf = (text: string, room: number) => headWithin(text, room, codePoints).trimEnd();

/**
 * An SMS copy that messaging accepts: at most `limit` characters (code points, as messaging
 * counts them), else cut between graphemes (never inside a surrogate pair or an emoji
 * sequence) and ended with an ellipsis. The ellipsis is "..." when the kept text is GSM-7,
 * because "…" is not in GSM 03.38 and would turn the whole copy UCS-2, more than doubling its
 * segments; a text that is UCS-2 anyway ends with "…".
 */
export function fitSmsText(
  text: string,
  limit = MAX_BODY_CHARACTERS,
): { text: string; cut: boolean } {
  if (codePoints(text) <= limit) return { text, cut: false };
  const gsm = headOf(text, limit - 3);
  if (analyzeText(gsm).encoding === 'GSM-7') return { text: `${gsm}...`, cut: true };
  return { text: `${headOf(text, limit - 1)}…`, cut: true };
}

/**
 * Queues one SMS per phone participant (given by the append) other than the author, in the
 * message's transaction (outbox), so a committed message always reaches its phones and a
 * rolled-back one never does. A copy too long for an SMS is cut (see `fitSmsText`) and logged.
 */
export async function queueSmsCopies(
  ctx: ChatContext,
  trx: Trx,
  message: MessageRow,
  phones: SmsMember[],
) {
  const recipients = phones.filter((member) => member.identity !== message.author);
  if (recipients.length === 0) return;
  const full = smsTextOf(message.author, message.body, message.attachments.length);
  const { text, cut } = fitSmsText(full);
  if (cut) {
    // Messaging refuses a longer body, and the job would fail with nobody told.
    ctx.logger.warn(
      {
        conversation_id: message.conversation_id,
        message_id: message.id,
        characters: codePoints(full),
        limit: MAX_BODY_CHARACTERS,
      },
      'chat message cut for its SMS copies',
    );
  }
  for (const member of recipients) {
    await ctx.outbox.add(trx, {
      projectId: message.project_id,
      queue: CHAT_SMS_QUEUE,
      name: CHAT_SMS_JOB,
      payload: {
        project_id: message.project_id,
        message_id: message.id,
        to: member.phone_number,
        from: member.proxy_number,
        body: text,
      },
      options: { attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
    });
  }
}

/** How chat hands an SMS to messaging (the runtime's `sendSms`). */
export type SendSms = (input: {
  projectId: string;
  from: string;
  to: string;
  body: string;
}) => Promise<{ id: string }>;

/**
 * The `chat.sms.send` worker: sends through messaging once per (message, phone). A job that
 * runs again after a send that was recorded is a no-op; a crash between the send and the
 * record can still send twice (messaging has no idempotency key to hand it yet).
 */
export function createSmsCopyHandler(ctx: ChatContext, sendSms: SendSms): JobHandler {
  return {
    queue: CHAT_SMS_QUEUE,
    concurrency: 5,
    async handle(job) {
      const data = job.data as {
        project_id: string;
        message_id: string;
        to: string;
        from: string;
        body: string;
      };
      if (typeof data.to !== 'string' || typeof data.from !== 'string') {
        throw new UnprocessableError('chat.sms.send without numbers', 'bad_job');
      }
      if (await ctx.messages.smsSent(data.message_id, data.to)) return;
      const sent = await sendSms({
        projectId: data.project_id,
        from: data.from,
        to: data.to,
        body: data.body,
      });
      await ctx.messages.recordSmsSend({
        message_id: data.message_id,
        phone_number: data.to,
        project_id: data.project_id,
        sms_id: sent.id,
      });
    },
  };
}
