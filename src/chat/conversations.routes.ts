import { Router, type RequestHandler } from 'express';
import {
  answerHoldsSecret,
  ForbiddenError,
  pageOf,
  paginate,
  projectIdOf,
  validQuery,
  type Validate,
} from '../platform/index.js';
import { actorOf } from './access.js';
import type { ConversationRow, ConversationsStore } from './conversations.store.js';
import type { ConversationsService } from './conversations.service.js';
import type { MembersService } from './members.service.js';
import type { TokensService } from './tokens.service.js';

/** Tokens, conversations and members. */
export function createConversationsRouter(deps: {
  auth: { project: RequestHandler[]; projectOrUser: RequestHandler[] };
  validate: Validate;
  tokens: TokensService;
  conversations: ConversationsService;
  members: MembersService;
  store: ConversationsStore;
}) {
  const { auth, validate, conversations, members } = deps;
  const router = Router();
  const param = (value: unknown) => value as string;

  router.post('/v1/tokens', ...auth.project, validate('createToken'), async (req, res) => {
    answerHoldsSecret(res);
    res.status(201).json(await deps.tokens.mint(projectIdOf(req.auth), req.body));
  });

  router.post(
    '/v1/conversations',
    ...auth.projectOrUser,
    validate('createConversation'),
    async (req, res) => {
      const result = await conversations.create(actorOf(req.auth), req.body);
      res.status(result.created ? 201 : 200).json(result.conversation);
    },
  );

  router.get(
    '/v1/conversations',
    ...auth.projectOrUser,
    validate('listConversations'),
    async (req, res) => {
      const actor = actorOf(req.auth);
      const query = validQuery(res);
      const identity = conversations.requireIdentityOrOperator(
        actor,
        query.identity as string | undefined,
      );
      const page = await paginate(
        deps.store.listQuery(actor.projectId, {
          identity: identity ?? undefined,
          includeArchived: query.include_archived === true,
        }),
        pageOf(query),
        { prefix: 'conv', column: 'c.id', map: (row: ConversationRow) => row },
      );
      res.json({
        data: await conversations.listViews({ ...actor, identity }, page.data),
        next_cursor: page.next_cursor,
      });
    },
  );

  router.get(
    '/v1/conversations/:id',
    ...auth.projectOrUser,
    validate('getConversation'),
    async (req, res) => {
      res.json(await conversations.get(actorOf(req.auth), param(req.params.id)));
    },
  );

  router.patch(
    '/v1/conversations/:id',
    ...auth.projectOrUser,
    validate('updateConversation'),
    async (req, res) => {
      res.json(await conversations.update(actorOf(req.auth), param(req.params.id), req.body));
    },
  );

  router.delete(
    '/v1/conversations/:id',
    ...auth.projectOrUser,
    validate('archiveConversation'),
    async (req, res) => {
      res.json(await conversations.archive(actorOf(req.auth), param(req.params.id)));
    },
  );

  router.post(
    '/v1/conversations/:id/members',
    ...auth.projectOrUser,
    validate('addConversationMember'),
    async (req, res) => {
      res.status(201).json(await members.add(actorOf(req.auth), param(req.params.id), req.body));
    },
  );

  router.delete(
    '/v1/conversations/:id/members/:identity',
    ...auth.projectOrUser,
    validate('removeConversationMember'),
    async (req, res) => {
      await members.remove(actorOf(req.auth), param(req.params.id), param(req.params.identity));
      res.status(204).end();
    },
  );

  router.get(
    '/v1/identities/:identity/settings',
    ...auth.projectOrUser,
    validate('getIdentitySettings'),
    async (req, res) => {
      const actor = actorOf(req.auth);
      const identity = ownIdentity(actor, param(req.params.identity));
      res.json(await conversations.settings.get(actor.projectId, identity));
    },
  );

  router.patch(
    '/v1/identities/:identity/settings',
    ...auth.projectOrUser,
    validate('updateIdentitySettings'),
    async (req, res) => {
      const actor = actorOf(req.auth);
      const identity = ownIdentity(actor, param(req.params.identity));
      res.json(
        await conversations.settings.save(
          actor.projectId,
          identity,
          req.body.read_receipts_private,
        ),
      );
    },
  );

  return router;
}

function ownIdentity(actor: { identity: string | null }, identity: string): string {
  if (actor.identity !== null && actor.identity !== identity) {
    throw new ForbiddenError('A user token manages only its own settings.');
  }
  return identity;
}
