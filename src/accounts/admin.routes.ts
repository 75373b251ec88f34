import { Router } from 'express';
import type { Validate } from '../platform/index.js';
import type { AccountsService } from './accounts.service.js';
import type { Authenticator } from './authenticate.js';

/** Operator routes under /admin/v1, guarded by ADMIN_TOKEN (API.md "Projects and keys"). */
export function createAdminRouter(deps: {
  accounts: AccountsService;
  auth: Authenticator;
  validate: Validate;
}) {
  const { accounts, auth, validate } = deps;
  const router = Router();
  router.use('/admin/v1', auth.admin);

  router.post('/admin/v1/projects', validate('createProject'), async (req, res) => {
    res.status(201).json(await accounts.createProject({ name: req.body.name }));
  });

  router.post('/admin/v1/projects/:id/keys', validate('createApiKey'), async (req, res) => {
    res.status(201).json(await accounts.createKey(req.params.id as string));
  });

  router.delete('/admin/v1/keys/:id', validate('revokeApiKey'), async (req, res) => {
    res.json(await accounts.revokeKey(req.params.id as string));
  });

  return router;
}
