import { Router, type RequestHandler } from 'express';
import {
  NotFoundError,
  UnprocessableError,
  projectIdOf,
  toE164,
  type Validate,
} from '../platform/index.js';
import type { NumberRow } from '../numbers/index.js';
import type { SmsCarriers } from './sms-carriers.js';

/**
 * `POST /sandbox/v1/sms`: a phone texts a project number. The text goes through the sandbox
 * SMSC as a real MO `deliver_sm` (multi-part when long), so it takes the production path.
 * Exists only while this process runs the sandbox SMSC.
 */
export function createSandboxSmsRouter(deps: {
  carriers: SmsCarriers;
  auth: { project: RequestHandler[] };
  validate: Validate;
  findNumber(number: string): Promise<NumberRow | undefined>;
}) {
  const router = Router();
  router.post(
    '/sandbox/v1/sms',
    ...deps.auth.project,
    deps.validate('sandboxSendSms'),
    async (req, res) => {
      const simulator = deps.carriers.sandbox();
      if (!simulator) throw new NotFoundError('Sandbox (SMPP_URL is configured)');
      const from = toE164(req.body.from);
      const to = toE164(req.body.to);
      if (!from || !to)
        throw new UnprocessableError('from and to must be E.164 numbers.', 'invalid_number');
      const number = await deps.findNumber(to);
      if (!number || number.project_id !== projectIdOf(req.auth)) {
        throw new UnprocessableError(`${to} is not a number of this project.`, 'unknown_number');
      }
      await simulator.injectMo({ from, to, body: req.body.body });
      res.status(202).json({ accepted: true });
    },
  );
  return router;
}
