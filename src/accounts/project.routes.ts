import { Router } from 'express';
import { answerHoldsSecret, projectIdOf, type Validate } from '../platform/index.js';
import type { AccountsService } from './accounts.service.js';
import type { Authenticator } from './authenticate.js';

/** The calling project's own settings: `GET|PATCH /v1/project` and webhook secret rotation. */
export function createProjectRouter(deps: {
  accounts: AccountsService;
  auth: Authenticator;
  validate: Validate;
  /** Refuses callback URLs that are not public http(s) (the webhooks feature's SSRF guard). */
  checkCallbackUrl: (url: string, path: string) => Promise<void>;
}) {
  const { accounts, auth, validate } = deps;
  const router = Router();

  router.get('/v1/project', ...auth.project, async (req, res) => {
    res.json(await accounts.getProject(projectIdOf(req.auth)));
  });

  router.patch('/v1/project', ...auth.project, validate('updateProject'), async (req, res) => {
    const patch = req.body as {
      name?: string;
      webhook_url?: string | null;
      rate_limit_per_second?: number | null;
    };
    if (typeof patch.webhook_url === 'string')
      await deps.checkCallbackUrl(patch.webhook_url, '/webhook_url');
    res.json(await accounts.updateProject(projectIdOf(req.auth), patch));
  });

  router.post(
    '/v1/project/webhook-secret/rotate',
    ...auth.project,
    validate('rotateWebhookSecret'),
    async (req, res) => {
      answerHoldsSecret(res);
      res.json(await accounts.rotateWebhookSecret(projectIdOf(req.auth)));
    },
  );

  return router;
}
