import { Router, type RequestHandler } from 'express';
import {
  ConflictError,
  NotFoundError,
  UnprocessableError,
  paginate,
  pageOf,
  projectIdOf,
  toE164,
  validQuery,
  type Clock,
  type IdGenerator,
  type Validate,
} from '../platform/index.js';
import type { NumberPatch, NumberRow, NumbersStore } from './numbers.store.js';

export function numberView(row: NumberRow) {
  return {
    id: row.id,
    number: row.number,
    sms_url: row.sms_url,
    voice_flow_id: row.voice_flow_id,
    help_text: row.help_text,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export interface NumbersRouterDeps {
  store: NumbersStore;
  ids: IdGenerator;
  clock: Clock;
  auth: { project: RequestHandler[] };
  validate: Validate;
  checkCallbackUrl(url: string, path: string): Promise<void>;
  /** Refuses a flow id the project does not own (the voice feature). */
  checkFlow(projectId: string, flowId: string): Promise<void>;
}

/** `/v1/numbers`: the phone numbers a project owns; a number belongs to one project (409). */
export function createNumbersRouter(deps: NumbersRouterDeps) {
  const { store, auth, validate } = deps;
  const router = Router();

  async function checkPatch(projectId: string, patch: NumberPatch): Promise<void> {
    // An empty string is checked too (it is no URL and no flow), not stored as a silent "none".
    if (typeof patch.sms_url === 'string') await deps.checkCallbackUrl(patch.sms_url, '/sms_url');
    if (typeof patch.voice_flow_id === 'string') {
      await deps.checkFlow(projectId, patch.voice_flow_id);
    }
  }

  router.post('/v1/numbers', ...auth.project, validate('createNumber'), async (req, res) => {
    const projectId = projectIdOf(req.auth);
    const number = toE164(req.body.number);
    if (!number) {
      throw new UnprocessableError('number must be an E.164 phone number.', 'invalid_number', [
        { path: '/number', message: 'is not a possible E.164 number' },
      ]);
    }
    const patch: NumberPatch = {
      sms_url: req.body.sms_url ?? null,
      voice_flow_id: req.body.voice_flow_id ?? null,
      help_text: req.body.help_text ?? null,
    };
    await checkPatch(projectId, patch);
    const now = deps.clock.now();
    const row: NumberRow = {
      id: deps.ids('num'),
      project_id: projectId,
      number,
      ...patch,
      sms_url: patch.sms_url ?? null,
      voice_flow_id: patch.voice_flow_id ?? null,
      help_text: patch.help_text ?? null,
      created_at: now,
      updated_at: now,
    };
    if (!(await store.insert(row)))
      throw new ConflictError(`${number} already belongs to a project.`, 'number_taken');
    res.status(201).json(numberView(row));
  });

  router.get('/v1/numbers', ...auth.project, validate('listNumbers'), async (req, res) => {
    res.json(
      await paginate(store.listQuery(projectIdOf(req.auth)), pageOf(validQuery(res)), {
        prefix: 'num',
        map: numberView,
      }),
    );
  });

  router.get('/v1/numbers/:id', ...auth.project, validate('getNumber'), async (req, res) => {
    const row = await store.find(projectIdOf(req.auth), req.params.id as string);
    if (!row) throw new NotFoundError('Number');
    res.json(numberView(row));
  });

  router.patch('/v1/numbers/:id', ...auth.project, validate('updateNumber'), async (req, res) => {
    const projectId = projectIdOf(req.auth);
    const patch = req.body as NumberPatch;
    if (!(await store.find(projectId, req.params.id as string))) throw new NotFoundError('Number');
    await checkPatch(projectId, patch);
    const row = await store.update(projectId, req.params.id as string, patch, deps.clock.now());
    if (!row) throw new NotFoundError('Number');
    res.json(numberView(row));
  });

  router.delete('/v1/numbers/:id', ...auth.project, validate('deleteNumber'), async (req, res) => {
    if ((await store.remove(projectIdOf(req.auth), req.params.id as string)) === 0)
      throw new NotFoundError('Number');
    res.status(204).end();
  });

  return router;
}
