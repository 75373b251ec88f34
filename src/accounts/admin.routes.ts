import { Router } from 'express';
import { answerHoldsSecret, type Validate } from '../platform/index.js';
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
  // Guarded route by route, as every router guards its own: a guard mounted on the whole
  // /admin/v1 prefix also ran for the connectors router's routes, before their own guard.

  router.post('/admin/v1/projects', ...auth.admin, validate('createProject'), async (req, res) => {
    answerHoldsSecret(res);
    res.status(201).json(await accounts.createProject({ name: req.body.name }));
  });

  router.post(
    '/admin/v1/projects/:id/keys',
    ...auth.admin,
    validate('createApiKey'),
    async (req, res) => {
      answerHoldsSecret(res);
      res.status(201).json(await accounts.createKey(req.params.id as string));
    },
  );

  router.delete('/admin/v1/keys/:id', ...auth.admin, validate('revokeApiKey'), async (req, res) => {
    res.json(await accounts.revokeKey(req.params.id as string));
  });

  return router;
}
