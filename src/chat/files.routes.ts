import { Router, type RequestHandler } from 'express';
import type { Validate } from '../platform/index.js';
import { actorOf } from './access.js';
import type { FilesService } from './files.service.js';

/** `POST /v1/files`, `GET /v1/files/{id}`, `POST /v1/files/{id}/complete`. */
export function createFilesRouter(deps: {
  auth: { projectOrUser: RequestHandler[] };
  validate: Validate;
  files: FilesService;
}) {
  const { auth, validate, files } = deps;
  const router = Router();

  router.post('/v1/files', ...auth.projectOrUser, validate('createFile'), async (req, res) => {
    res.status(201).json(await files.create(actorOf(req.auth), req.body));
  });

  router.get('/v1/files/:id', ...auth.projectOrUser, validate('getFile'), async (req, res) => {
    res.json(await files.get(actorOf(req.auth), req.params.id as string));
  });

  router.post(
    '/v1/files/:id/complete',
    ...auth.projectOrUser,
    validate('completeFile'),
    async (req, res) => {
      res.json(await files.complete(actorOf(req.auth), req.params.id as string));
    },
  );

  return router;
}
