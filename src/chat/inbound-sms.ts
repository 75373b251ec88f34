import type { ChatContext } from './context.js';
import type { MessagesService } from './messages.service.js';

/**
 * Posts an SMS from a phone participant into the conversation bound to (phone, proxy). The
 * SMS id is the `client_id`, so messaging may call this more than once for the same SMS.
 * False when no active conversation holds the pair.
 */
export function createInboundSmsHandler(ctx: ChatContext, messages: MessagesService) {
  return async (input: {
    projectId: string;
    from: string;
    to: string;
    body: string;
    messageId: string;
  }) => {
    const binding = await ctx.conversations.findSmsBinding(input.projectId, input.from, input.to);
    if (!binding) return false;
    await messages.send(
      { projectId: input.projectId, identity: null },
      binding.conversation_id,
      {
        body: input.body.slice(0, 32 * 1024) || '(empty SMS)',
        author: input.from,
        client_id: `sms:${input.messageId}`,
      },
      { source: 'sms' },
    );
    return true;
  };
}
