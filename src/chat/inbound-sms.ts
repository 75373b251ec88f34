import {
  headWithinBytes,
  UnprocessableError,
  type JobHandler,
  type Trx,
} from '../platform/index.js';
import type { ChatContext } from './context.js';
import type { MessagesService } from './messages.service.js';

export const CHAT_INBOUND_QUEUE = 'chat-inbound';
export const CHAT_INBOUND_JOB = 'chat.sms.received';

/** An SMS from a phone, as messaging stored it. */
export interface InboundSmsInput {
  projectId: string;
  from: string;
  to: string;
  body: string;
  messageId: string;
}

/**
 * Posts an SMS from a phone participant into the conversation bound to (phone, proxy). The
 * SMS id is the `client_id`, so this may run more than once for the same SMS. False when no
 * active conversation holds the pair.
 */
export function createInboundSmsHandler(ctx: ChatContext, messages: MessagesService) {
  return async (input: InboundSmsInput) => {
    const binding = await ctx.conversations.findSmsBinding(input.projectId, input.from, input.to);
    if (!binding) return false;
    // A long inbound SMS (up to 255 parts) may be more than a chat message holds: cut on a
    // whole character (slicing code units split emoji, and 32 K characters of them were over
    // the limit in bytes, refused for good).
    const text = headWithinBytes(input.body, ctx.limits.maxBodyBytes);
    await messages.send(
      { projectId: input.projectId, identity: null },
      binding.conversation_id,
      {
        // A blank chat message is refused (empty_message), and the SMS would be lost.
        body: text.trim() === '' ? '(empty SMS)' : text,
        author: input.from,
        client_id: `sms:${input.messageId}`,
      },
      { source: 'sms' },
    );
    return true;
  };
}

/**
 * In the transaction that stores an inbound SMS: when a conversation holds (phone, proxy),
 * queues its posting there (outbox), so the SMS is stored once and posted once whatever
 * fails after. Posting it inline after the commit made any failure there (a body chat
 * refuses, a database blip) refuse the `deliver_sm`: the SMSC delivered it again, and each
 * delivery stored one more inbound message. True when queued.
 */
export function createInboundSmsQueue(ctx: ChatContext) {
  return async (trx: Trx, input: InboundSmsInput): Promise<boolean> => {
    const binding = await ctx.conversations.findSmsBinding(
      input.projectId,
      input.from,
      input.to,
      trx,
    );
    if (!binding) return false;
    await ctx.outbox.add(trx, {
      projectId: input.projectId,
      queue: CHAT_INBOUND_QUEUE,
      name: CHAT_INBOUND_JOB,
      payload: { ...input },
      options: { attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
    });
    return true;
  };
}

/** The `chat.sms.received` worker: posts the SMS (a conversation unbound meanwhile takes nothing). */
export function createInboundSmsJobHandler(
  post: (input: InboundSmsInput) => Promise<boolean>,
): JobHandler {
  return {
    queue: CHAT_INBOUND_QUEUE,
    // One at a time: consecutive texts from one phone land in the conversation in order.
    concurrency: 1,
    async handle(job) {
      const data = job.data as Partial<InboundSmsInput>;
      const fields = [data.projectId, data.from, data.to, data.body, data.messageId];
      if (fields.some((f) => typeof f !== 'string')) {
        throw new UnprocessableError('chat.sms.received without its fields', 'bad_job');
      }
      await post(data as InboundSmsInput);
    },
  };
}
