import { Router, type RequestHandler } from 'express';
import {
  ForbiddenError,
  ValidationError,
  pageOf,
  validQuery,
  type Validate,
} from '../platform/index.js';
import { actorOf, type Actor } from './access.js';
import type { createMessageActions } from './message-actions.service.js';
import type { MessagesService } from './messages.service.js';

type MessageActions = ReturnType<typeof createMessageActions>;

/** A messages cursor: where the previous page stopped, in its direction. */
function decodeSeqCursor(cursor: string | null): { before?: number; after?: number } {
  if (!cursor) return {};
  const invalid = new ValidationError(
    'The cursor is not valid.',
    [{ path: '/query/cursor', message: 'invalid cursor' }],
    'invalid_cursor',
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const { before, after } = (parsed ?? {}) as { before?: unknown; after?: unknown };
  // Safe integers only: 1e21 is an integer to JavaScript but "1e+21" to PostgreSQL's bigint.
  if (Number.isSafeInteger(before) && (before as number) > 0) return { before: before as number };
  if (Number.isSafeInteger(after) && (after as number) >= 0) return { after: after as number };
  throw invalid;
}

/** The identity a request acts for: its own token, or `?identity=` given by the operator. */
export function identityFor(actor: Actor, requested: string | undefined): string {
  if (actor.identity) {
    if (requested && requested !== actor.identity)
      throw new ForbiddenError('A user token sees only its own counts.');
    return actor.identity;
  }
  if (!requested)
    throw new ValidationError('identity is required with an API key.', [
      { path: '/query/identity', message: 'is required' },
    ]);
  return requested;
}

/** Messages, reactions, pins, forwarding and read horizons. */
export function createMessagesRouter(deps: {
  auth: { projectOrUser: RequestHandler[] };
  validate: Validate;
  messages: MessagesService;
  actions: MessageActions;
}) {
  const { auth, validate, messages, actions } = deps;
  const router = Router();
  const base = '/v1/conversations/:id/messages';
  const p = (value: unknown) => value as string;

  router.post(base, ...auth.projectOrUser, validate('sendChatMessage'), async (req, res) => {
    const result = await messages.send(actorOf(req.auth), p(req.params.id), req.body);
    res.status(result.created ? 201 : 200).json(result.message);
  });

  router.get(base, ...auth.projectOrUser, validate('listChatMessages'), async (req, res) => {
    const query = validQuery(res);
    const page = pageOf(query);
    const fromCursor = decodeSeqCursor(page.cursor);
    res.json(
      await messages.list(actorOf(req.auth), p(req.params.id), {
        limit: page.limit,
        before: fromCursor.before ?? (query.before as number | undefined),
        after: fromCursor.after ?? (query.after as number | undefined),
      }),
    );
  });

  router.patch(
    `${base}/:mid`,
    ...auth.projectOrUser,
    validate('editChatMessage'),
    async (req, res) => {
      res.json(
        await messages.edit(actorOf(req.auth), p(req.params.id), p(req.params.mid), req.body.body),
      );
    },
  );

  router.delete(
    `${base}/:mid`,
    ...auth.projectOrUser,
    validate('deleteChatMessage'),
    async (req, res) => {
      res.json(await messages.remove(actorOf(req.auth), p(req.params.id), p(req.params.mid)));
    },
  );

  for (const [method, add] of [
    ['post', true],
    ['delete', false],
  ] as const) {
    router[method](
      `${base}/:mid/reactions/:emoji`,
      ...auth.projectOrUser,
      validate(add ? 'addReaction' : 'removeReaction'),
      async (req, res) => {
        res.json(
          await actions.react(
            actorOf(req.auth),
            p(req.params.id),
            p(req.params.mid),
            p(req.params.emoji),
            add,
          ),
        );
      },
    );
    router[method](
      `${base}/:mid/pin`,
      ...auth.projectOrUser,
      validate(add ? 'pinChatMessage' : 'unpinChatMessage'),
      async (req, res) => {
        res.json(await actions.pin(actorOf(req.auth), p(req.params.id), p(req.params.mid), add));
      },
    );
  }

  router.post(
    `${base}/:mid/forward`,
    ...auth.projectOrUser,
    validate('forwardChatMessage'),
    async (req, res) => {
      const result = await actions.forward(
        actorOf(req.auth),
        p(req.params.id),
        p(req.params.mid),
        req.body,
      );
      res.status(result.created ? 201 : 200).json(result.message);
    },
  );

  router.post(
    '/v1/conversations/:id/read',
    ...auth.projectOrUser,
    validate('markConversationRead'),
    async (req, res) => {
      res.json(await actions.markRead(actorOf(req.auth), p(req.params.id), req.body.message_id));
    },
  );

  router.get('/v1/unread', ...auth.projectOrUser, validate('getUnread'), async (req, res) => {
    const actor = actorOf(req.auth);
    res.json(
      await actions.unread(
        actor.projectId,
        identityFor(actor, validQuery(res).identity as string | undefined),
      ),
    );
  });

  return router;
}
