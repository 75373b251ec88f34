import { Router, type RequestHandler } from 'express';
import { paginate, pageOf, parseInstant, validQuery, type Validate } from '../platform/index.js';
import { actorOf } from './access.js';
import { identityFor } from './messages.routes.js';
import type { MessageRow, MessagesStore } from './messages.store.js';
import { messageView } from './views.js';

/**
 * `GET /v1/search/messages`: Postgres full-text search (websearch syntax) over the
 * conversations the identity belongs to — a user token searches as itself, an API key
 * searches the whole project or, with `identity`, as that identity. Newest first.
 */
export function createSearchRouter(deps: {
  auth: { projectOrUser: RequestHandler[] };
  validate: Validate;
  messages: MessagesStore;
}) {
  const router = Router();
  router.get(
    '/v1/search/messages',
    ...deps.auth.projectOrUser,
    deps.validate('searchChatMessages'),
    async (req, res) => {
      const actor = actorOf(req.auth);
      const query = validQuery(res);
      const requested = query.identity as string | undefined;
      // `mentions_me` needs a "me": with an API key, `identity` names it (400 without one).
      const asIdentity = actor.identity || requested || query.mentions_me === true;
      const identity = asIdentity ? identityFor(actor, requested) : undefined;
      const date = (value: unknown) =>
        typeof value === 'string' ? parseInstant(value) : undefined;
      const search = deps.messages.searchQuery(actor.projectId, {
        q: query.q as string,
        identity,
        conversationId: query.conversation_id as string | undefined,
        sender: query.sender as string | undefined,
        hasAttachment: query.has_attachment as boolean | undefined,
        mentions: query.mentions_me === true ? identity : undefined,
        createdAfter: date(query.created_after),
        createdBefore: date(query.created_before),
      });
      const page = await paginate(search, pageOf(query), {
        prefix: 'cmsg',
        column: 'x.id',
        map: (row: MessageRow) => row,
      });
      const reactions = await deps.messages.reactionsOf(page.data.map((row) => row.id));
      res.json({ ...page, data: page.data.map((row) => messageView(row, reactions.get(row.id))) });
    },
  );
  return router;
}
