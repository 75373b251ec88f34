import { setTimeout as sleep } from 'node:timers/promises';
import { Router, type RequestHandler } from 'express';
import type { PbxSimulator } from '../connectors/index.js';
import type { NumberRow } from '../numbers/index.js';
import {
  ConflictError,
  NotFoundError,
  UnprocessableError,
  UnavailableError,
  isAppError,
  projectIdOf,
  toE164,
  type Validate,
} from '../platform/index.js';
import { isFinalCallStatus } from './call-status.js';
import type { CallRow, CallsStore } from './calls.store.js';

/** How long `POST /sandbox/v1/calls` waits for the orchestrator to take the call. */
const ACCEPT_WAIT_MS = 5_000;

/**
 * `/sandbox/v1/calls`: a phone calls a project number, presses keys, hangs up — through the
 * sandbox PBX, so the call takes the production path (ARI events, orchestrator, flow). Exists
 * only while this process runs the sandbox PBX (404 otherwise).
 */
export function createSandboxCallsRouter(deps: {
  pbx(): PbxSimulator | null;
  store: CallsStore;
  auth: { project: RequestHandler[] };
  validate: Validate;
  findNumber(number: string): Promise<NumberRow | undefined>;
}) {
  const { store, auth, validate } = deps;
  const router = Router();

  function requirePbx(): PbxSimulator {
    const pbx = deps.pbx();
    if (!pbx) throw new NotFoundError('Sandbox (ARI_URL is configured)');
    return pbx;
  }

  /**
   * The call the orchestrator made of the channel. A channel it refused (the number lost its
   * flow, or the number itself, since this route checked) is hung up: a 409 at once, where
   * waiting out ACCEPT_WAIT_MS answered 503.
   */
  async function waitForCall(pbx: PbxSimulator, channelId: string): Promise<CallRow> {
    const deadline = Date.now() + ACCEPT_WAIT_MS;
    while (Date.now() < deadline) {
      const live = pbx.channels().some((channel) => channel.id === channelId);
      const row = await store.findByChannel(channelId);
      if (row) return row;
      if (!live) {
        throw new ConflictError(
          'The call was refused: the number or its flow changed while it was placed.',
          'call_not_taken',
        );
      }
      await sleep(20);
    }
    throw new UnavailableError('The call was not picked up by the orchestrator.', 'call_not_taken');
  }

  async function liveChannel(projectId: string, callId: string): Promise<string> {
    const row = await store.findForProject(projectId, callId);
    if (!row) throw new NotFoundError('Call');
    if (isFinalCallStatus(row.status) || !row.channel_id) {
      throw new ConflictError(`The call is not live (${row.status}).`, 'call_not_live');
    }
    return row.channel_id;
  }

  /** The far end acting on a channel the PBX may have just lost: 409, not 404 or 500. */
  async function onChannel(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      if (isAppError(err) && err.status === 404) {
        throw new ConflictError('The call is not live.', 'call_not_live');
      }
      throw err;
    }
  }

  router.post(
    '/sandbox/v1/calls',
    ...auth.project,
    validate('sandboxPlaceCall'),
    async (req, res) => {
      const pbx = requirePbx();
      const from = toE164(req.body.from);
      const to = toE164(req.body.to);
      if (!from || !to) {
        throw new UnprocessableError('from and to must be E.164 numbers.', 'invalid_number');
      }
      const number = await deps.findNumber(to);
      if (!number || number.project_id !== projectIdOf(req.auth)) {
        throw new UnprocessableError(`${to} is not a number of this project.`, 'unknown_number');
      }
      if (!number.voice_flow_id) {
        throw new UnprocessableError(`${to} has no voice_flow_id.`, 'number_has_no_flow');
      }
      const { channelId } = await pbx.placeInboundCall({ from, to });
      const call = await waitForCall(pbx, channelId);
      res.status(202).json({ call_id: call.id });
    },
  );

  router.post(
    '/sandbox/v1/calls/:call_id/dtmf',
    ...auth.project,
    validate('sandboxSendDtmf'),
    async (req, res) => {
      const pbx = requirePbx();
      const channelId = await liveChannel(projectIdOf(req.auth), req.params.call_id as string);
      await onChannel(() => pbx.sendDtmf(channelId, req.body.digits));
      res.status(202).json({ accepted: true });
    },
  );

  router.post(
    '/sandbox/v1/calls/:call_id/hangup',
    ...auth.project,
    validate('sandboxHangupCall'),
    async (req, res) => {
      const pbx = requirePbx();
      const channelId = await liveChannel(projectIdOf(req.auth), req.params.call_id as string);
      await onChannel(() => pbx.hangupFarEnd(channelId));
      res.status(202).json({ accepted: true });
    },
  );

  return router;
}
