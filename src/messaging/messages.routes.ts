import { Router, type RequestHandler } from 'express';
import {
  answeredWithResource,
  answerWithOf,
  ConflictError,
  NotFoundError,
  paginate,
  pageOf,
  projectIdOf,
  validQuery,
  type Clock,
  type Db,
  type Validate,
} from '../platform/index.js';
import type { RecordMessageEvent } from './message-events.js';
import { messageView } from './message-view.js';
import type { MessageFilters, MessagesStore } from './messages.store.js';
import type { SendMessage } from './send-message.js';
import { transition } from './status.js';

/** `/v1/messages`: send, read, list and cancel (API.md "Messages"). */
export function createMessagesRouter(deps: {
  db: Db;
  store: MessagesStore;
  sendMessage: SendMessage;
  recordEvent: RecordMessageEvent;
  clock: Clock;
  auth: { project: RequestHandler[] };
  validate: Validate;
}) {
  const { store, auth, validate } = deps;
  const router = Router();

  router.post('/v1/messages', ...auth.project, validate('createMessage'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const answerWith = answerWithOf(res, 201, messageView);
    const row = await deps.sendMessage.send(
      {
        projectId: projectIdOf(req.auth),
        to: body.to as string,
        from: body.from as string,
        body: body.body as string,
        statusCallback: body.status_callback as string | undefined,
        sendAt: body.send_at as string | undefined,
        validityPeriod: body.validity_period as number | undefined,
        mediaUrls: body.media_urls as string[] | undefined,
      },
      answerWith,
    );
    answeredWithResource(res);
    req.log.info(
      { message_id: row.id, segments: row.segments, status: row.status },
      'message accepted',
    );
    res.status(201).json(messageView(row));
  });

  router.get('/v1/messages', ...auth.project, validate('listMessages'), async (req, res) => {
    const query = validQuery(res);
    const filters = query as MessageFilters;
    res.json(
      await paginate(store.listQuery(projectIdOf(req.auth), filters), pageOf(query), {
        prefix: 'msg',
        map: messageView,
      }),
    );
  });

  router.get('/v1/messages/:id', ...auth.project, validate('getMessage'), async (req, res) => {
    const row = await store.findForProject(projectIdOf(req.auth), req.params.id as string);
    if (!row) throw new NotFoundError('Message');
    res.json(messageView(row));
  });

  router.delete(
    '/v1/messages/:id',
    ...auth.project,
    validate('cancelMessage'),
    async (req, res) => {
      const projectId = projectIdOf(req.auth);
      const id = req.params.id as string;
      if (!(await store.findForProject(projectId, id))) throw new NotFoundError('Message');
      const canceled = await deps.db.transaction(async (trx) => {
        const row = (await store.lock(trx, id))!;
        const next = transition(row.status, 'canceled');
        if (!next.changed) {
          throw new ConflictError(
            `Only a scheduled message can be canceled; this one is ${row.status}.`,
            'not_cancelable',
          );
        }
        const updated = { ...row, status: next.status, updated_at: deps.clock.now() };
        await store.update(trx, id, { status: updated.status, updated_at: updated.updated_at });
        await deps.recordEvent(trx, updated, 'message.canceled');
        return updated;
      });
      res.json(messageView(canceled));
    },
  );

  return router;
}
