import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  type Trx,
} from '../platform/index.js';
import { accessConversation, requireAdmin, requireNotArchived, type Actor } from './access.js';
import type { ChatContext } from './context.js';
import { refuseReservedIdentity } from './identity.js';
import { memberJoined, memberRowOf, type AddMemberInput } from './member-rows.js';

export type MembersService = ReturnType<typeof createMembersService>;

/** Admins add and remove members; any member may leave. */
export function createMembersService(ctx: ChatContext) {
  const { conversations: store } = ctx;

  /**
   * An SMS participant's proxy must be a number of the project other than the participant's
   * own: every message of the conversation is sent from it, and with a number the project
   * does not own each of those sends failed in the background.
   */
  async function checkProxy(
    trx: Trx,
    projectId: string,
    input: { phone_number: string; proxy_number: string },
  ): Promise<void> {
    if (input.proxy_number === input.phone_number) {
      throw new UnprocessableError(
        'The proxy number must differ from the participant’s phone number.',
        'invalid_proxy_number',
      );
    }
    if (!(await ctx.ownsNumber(projectId, input.proxy_number, trx))) {
      throw new UnprocessableError(
        `${input.proxy_number} is not a number of this project.`,
        'unknown_number',
      );
    }
  }

  async function add(actor: Actor, conversationId: string, input: AddMemberInput) {
    return ctx.log.commit(async (trx, record) => {
      const access = await accessConversation(store, trx, actor, conversationId, ctx.db);
      requireAdmin(access);
      requireNotArchived(access);
      const { conversation } = access;
      if (conversation.type === 'direct') {
        throw new UnprocessableError(
          'A direct conversation keeps its two members.',
          'direct_conversation',
        );
      }
      if ((await store.countMembers(trx, conversationId)) >= ctx.limits.maxMembers) {
        throw new UnprocessableError(
          `A conversation has at most ${ctx.limits.maxMembers} members.`,
          'too_many_members',
        );
      }
      if ('phone_number' in input) await checkProxy(trx, actor.projectId, input);
      else refuseReservedIdentity('/identity', input.identity);
      const row = memberRowOf(actor.projectId, conversationId, input, ctx.clock.now());
      const [inserted] = await store.insertMembers(trx, [row]);
      if (!inserted)
        throw new ConflictError('Already a member of the conversation.', 'already_member');
      if (row.kind === 'sms') {
        const bound = await store.bindSms(trx, {
          project_id: actor.projectId,
          phone_number: row.phone_number!,
          proxy_number: row.proxy_number!,
          conversation_id: conversationId,
        });
        if (!bound) {
          throw new ConflictError(
            'This phone number already talks to this proxy number in another active conversation.',
            'sms_pair_in_use',
          );
        }
      }
      const joined = memberJoined(inserted, actor.identity);
      await record({ projectId: actor.projectId, id: conversationId }, [joined]);
      return joined.data.member;
    });
  }

  async function remove(actor: Actor, conversationId: string, identity: string) {
    await ctx.log.commit(async (trx, record) => {
      const access = await accessConversation(store, trx, actor, conversationId, ctx.db);
      const leaving = actor.identity === identity;
      if (!leaving) requireAdmin(access);
      if (access.conversation.type === 'direct' && !leaving && actor.identity !== null) {
        throw new ForbiddenError('Nobody can be removed from a direct conversation.');
      }
      const target = await store.findMember(trx, conversationId, identity);
      if (!target) throw new NotFoundError('Member');
      await store.deleteMember(trx, conversationId, identity);
      if (target.kind === 'sms') await store.unbindSms(trx, conversationId, target.phone_number!);
      await record({ projectId: actor.projectId, id: conversationId }, [
        {
          type: 'conversation.member.left',
          data: {
            conversation_id: conversationId,
            identity,
            removed_by: leaving ? null : actor.identity,
          },
        },
      ]);
    });
  }

  return { add, remove };
}
