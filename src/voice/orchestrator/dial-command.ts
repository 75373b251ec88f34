import { isDialEndpoint, type DialCommand } from '../../flows/index.js';
import { dialOutcomeForHangup } from '../call-status.js';
import type { DialLegRecord } from '../calls.store.js';
import type { OrchestratorContext } from './context.js';
import type { FlowDriver } from './driver.js';
import { startDialRecording } from './call-recording.js';
import { legChannelId, legOf, ownNumberOf, type DialActivity, type LiveCall } from './live-call.js';
import { noteOnTimeline } from './timeline-note.js';
import { dialBridgeId } from './recording-ids.js';

/** The first StasisStart argument of a leg we dialled for a `dial` step (never a DID). */
export const DIAL_LEG_MARKER = 'trunkline-dial';

/**
 * The endpoint ARI dials: a number through ARI_DIAL_TEMPLATE (`{to}` replaced), an endpoint
 * such as `PJSIP/alice` (a `dial` step may name one) as it is.
 */
export function endpointFor(template: string, to: string): string {
  return isDialEndpoint(to) ? to : template.split('{to}').join(to);
}

/**
 * dial: a mixing bridge, then a second originate into our app under our own channel id,
 * tagged with `trunkline-dial,<call id>` so its StasisStart is never taken for an inbound
 * call. The caller joins the bridge when the leg answers (and with `record: true` the bridge is
 * recorded from then on); the leg's hang-up answers `dial_result`. Caller id: the step's
 * `from`, else the project's number on the call.
 */
export async function runDial(
  ctx: OrchestratorContext,
  driver: FlowDriver,
  call: LiveCall,
  command: DialCommand,
) {
  const ownNumber = ownNumberOf(call);
  // An inbound call's own caller may be shown on the leg (a forward that shows who calls).
  const forwarded = call.direction === 'inbound' && command.from === call.from;
  if (command.from !== undefined && command.from !== ownNumber && !forwarded) {
    if (!(await ownedByProject(ctx, call, command.from))) {
      return refuseCallerId(ctx, driver, call, command.from);
    }
  }
  const legId = legChannelId(call.id, call.epoch);
  const bridgeId = dialBridgeId(call.id, call.epoch);
  call.activity = {
    kind: 'dial',
    legId,
    bridgeId,
    answered: false,
    answeredAt: null,
    record: command.record,
    step: call.state?.step ?? null,
  };
  ctx.registry.addChannel(legId, call);
  await ctx.media().createBridge(bridgeId);
  await ctx.media().originate({
    channelId: legId,
    endpoint: endpointFor(ctx.dialTemplate, command.to),
    callerId: command.from ?? ownNumber,
    timeoutSec: command.timeout,
    appArgs: [DIAL_LEG_MARKER, call.id],
  });
  await recordDialLeg(ctx, call, { id: legId, answered_at: null });
}

async function ownedByProject(ctx: OrchestratorContext, call: LiveCall, number: string) {
  return (await ctx.findNumber(number))?.project_id === call.projectId;
}

/**
 * A `dial` whose caller id (its rendered `from`) is not a number of the call's project, nor
 * an inbound call's own caller (`{{call.from}}`, a forward that shows who is calling, as
 * Twilio allows), is not placed, as `POST /v1/calls` refuses such a `from`
 * (`unknown_caller_id`): a flow could show any number, another project's included. The step
 * fails (`on.failed`, else `next`), and the timeline says why (`flow.dial_refused`).
 */
async function refuseCallerId(
  ctx: OrchestratorContext,
  driver: FlowDriver,
  call: LiveCall,
  from: string,
) {
  ctx.logger.warn({ call_id: call.id, project_id: call.projectId, from }, 'dial caller id refused');
  await noteOnTimeline(ctx, call, 'flow.dial_refused', {
    from,
    code: 'unknown_caller_id',
    detail: `${from} is not a number of this project.`,
  });
  const epoch = call.epoch;
  ctx.registry.enqueue(call, async () => {
    if (call.ended || call.epoch !== epoch) return;
    await driver.feed(call, { type: 'dial_result', outcome: 'failed', duration: undefined });
  });
}

/**
 * Puts the dial's leg on the call's row (`calls.dial_leg`), for an orchestrator that takes
 * the call over after a restart. A failed write is logged, not fatal: it costs only that
 * knowledge, and the call goes on.
 */
async function recordDialLeg(ctx: OrchestratorContext, call: LiveCall, leg: DialLegRecord) {
  try {
    await ctx.store.update(ctx.db, call.id, { dial_leg: leg });
    call.row = { ...call.row, dial_leg: leg };
  } catch (err) {
    ctx.logger.warn({ err, call_id: call.id }, 'dial leg not recorded');
  }
}

/**
 * After a restart, a call that waits on a dial whose leg the PBX still has (`channels`: id →
 * state) takes that leg back instead of dialling again (which called the callee a second time
 * and left the first leg bridged with nobody watching it); the dial activity it now waits on,
 * or null when the PBX has no leg of the call (the dial is run again). A leg that is up was
 * answered: the caller must join it in the bridge again (a no-op if it still is; the crash
 * may have come between the answer and the bridging), and its hang-up gives `completed` (its
 * duration counted from the answer `calls.dial_leg` kept, else from now). A leg still ringing
 * is bridged when it answers, like any other.
 */
export function adoptDialLeg(
  ctx: OrchestratorContext,
  call: LiveCall,
  channels: ReadonlyMap<string, string>,
): DialActivity | null {
  if (call.waiting?.type !== 'dial') return null;
  let last: { id: string; n: number } | null = null;
  for (const id of channels.keys()) {
    const leg = legOf(id);
    if (leg?.callId === call.id && (!last || leg.n > last.n)) last = { id, n: leg.n };
  }
  if (!last) return null;
  const answered = channels.get(last.id) === 'up';
  const recorded = call.row.dial_leg?.id === last.id ? call.row.dial_leg.answered_at : null;
  const activity: DialActivity = {
    kind: 'dial',
    legId: last.id,
    bridgeId: dialBridgeId(call.id, last.n),
    answered,
    answeredAt: answered ? (recorded ? Date.parse(recorded) : Date.now()) : null,
    record: false, // a recording of the bridge, if any, goes on on the PBX
    step: call.state?.step ?? null,
  };
  call.activity = activity;
  ctx.registry.addChannel(last.id, call);
  return activity;
}

/** The dialled leg answered and entered the app: bridge it with the caller. */
export async function onLegAnswered(ctx: OrchestratorContext, call: LiveCall, legId: string) {
  const activity = call.activity;
  if (activity?.kind !== 'dial' || activity.legId !== legId) {
    // A leg the call no longer waits for: failing to hang it up is no reason to end the call.
    await ctx
      .media()
      .hangup(legId)
      .catch((err: unknown) => ctx.logger.warn({ err, call_id: call.id }, 'stray leg not hung up'));
    return;
  }
  activity.answered = true;
  activity.answeredAt = Date.now();
  // Bridged and recording first: a slow database must not keep the parties apart in silence.
  await ctx.media().addToBridge(activity.bridgeId, [call.channelId, legId]);
  if (activity.record) await startDialRecording(ctx, call, activity.bridgeId, activity.step);
  await recordDialLeg(ctx, call, {
    id: legId,
    answered_at: new Date(activity.answeredAt).toISOString(),
  });
}

/** The dialled leg hung up (or never answered): the bridge goes, the flow gets the outcome. */
export async function onLegHangup(
  ctx: OrchestratorContext,
  driver: FlowDriver,
  call: LiveCall,
  legId: string,
  cause: number,
) {
  ctx.registry.removeChannel(legId);
  const activity = call.activity;
  if (activity?.kind !== 'dial' || activity.legId !== legId) return;
  call.activity = null;
  // A bridge left behind is the PBX's clutter, not a reason to leave the flow waiting.
  await ctx
    .media()
    .destroyBridge(activity.bridgeId)
    .catch((err: unknown) =>
      ctx.logger.warn({ err, call_id: call.id }, 'dial bridge not destroyed'),
    );
  const outcome = dialOutcomeForHangup({ answered: activity.answered, cause });
  const duration =
    activity.answeredAt === null
      ? undefined
      : Math.floor((Date.now() - activity.answeredAt) / ctx.secondMs);
  await driver.feed(call, { type: 'dial_result', outcome, duration });
}

/**
 * After a restart, a call waits on a dial whose leg the PBX no longer has, but whose
 * originate had returned (`calls.dial_leg`): the leg ended while no orchestrator watched.
 * The step gets an outcome rather than the callee being dialled a second time: `completed` if
 * the leg had answered (its length unknown), else `failed` (why it ended is unknown), as
 * when a leg vanishes during a PBX connection outage.
 */
export async function endDialLegLost(
  ctx: OrchestratorContext,
  driver: FlowDriver,
  call: LiveCall,
  leg: DialLegRecord,
) {
  const n = legOf(leg.id)?.n;
  if (n !== undefined) {
    await ctx
      .media()
      .destroyBridge(dialBridgeId(call.id, n))
      .catch((err: unknown) =>
        ctx.logger.warn({ err, call_id: call.id }, 'dial bridge not destroyed'),
      );
  }
  const answered = leg.answered_at !== null;
  ctx.logger.warn({ call_id: call.id, leg: leg.id, answered }, 'dial leg ended while away');
  const outcome = dialOutcomeForHangup({ answered, cause: answered ? 16 : 0 });
  await driver.feed(call, { type: 'dial_result', outcome, duration: undefined });
}

/** Ends a dial that is still running: the leg is hung up, the bridge destroyed. */
export async function cancelDial(ctx: OrchestratorContext, call: LiveCall): Promise<void> {
  const activity = call.activity;
  if (activity?.kind !== 'dial') return;
  ctx.registry.removeChannel(activity.legId);
  await ctx.media().hangup(activity.legId);
  await ctx.media().destroyBridge(activity.bridgeId);
}
