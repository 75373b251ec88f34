import type {
  FlowCommand,
  HttpRequestCommand,
  PauseCommand,
  SendSmsCommand,
} from '../../flows/index.js';
import { isAppError } from '../../platform/index.js';
import type { OrchestratorContext } from './context.js';
import { cancelDial, runDial } from './dial-command.js';
import type { FlowDriver } from './driver.js';
import { ownNumberOf, type LiveCall } from './live-call.js';
import { noteOnTimeline } from './timeline-note.js';
import { callTimer, runCollect, runPlay } from './play-commands.js';
import { runRecord } from './record-command.js';

/** pause: an orchestrator timer, answered by `timeout`. */
function runPause(ctx: OrchestratorContext, driver: FlowDriver, call: LiveCall, cmd: PauseCommand) {
  const cancelTimer = callTimer(ctx, call)(cmd.seconds * ctx.secondMs, async () => {
    call.activity = null;
    await driver.feed(call, { type: 'timeout' });
  });
  call.activity = { kind: 'pause', cancelTimer };
}

/** webhook: the HTTP exchange runs off the call's queue; its answer is queued back. */
function runHttp(
  ctx: OrchestratorContext,
  driver: FlowDriver,
  call: LiveCall,
  cmd: HttpRequestCommand,
) {
  const abort = new AbortController();
  const epoch = call.epoch;
  call.activity = { kind: 'http', abort };
  void ctx.http.send(cmd, abort.signal).then((answer) =>
    ctx.registry.enqueue(call, async () => {
      if (call.ended || call.epoch !== epoch) return;
      call.activity = null;
      await driver.feed(call, { type: 'http_response', status: answer.status, body: answer.body });
    }),
  );
}

/**
 * sms: queued through messaging before the flow goes on, whatever happens to it. A text
 * messaging refuses (an invalid number, a sender the project does not own, an opted-out
 * recipient) is noted on the call's timeline as `flow.sms_refused`, after the step's own
 * entry, which can only say it was handed over.
 */
async function runSms(ctx: OrchestratorContext, call: LiveCall, cmd: SendSmsCommand) {
  const from = cmd.from ?? ownNumberOf(call);
  // Awaited, so each refusal is noted in step order, before what the flow does next (FLOWS.md:
  // `next` once queued); a refusal never stops the call.
  try {
    const sms = await ctx.sendSms({ projectId: call.projectId, from, to: cmd.to, body: cmd.body });
    ctx.logger.info({ call_id: call.id, message_id: sms.id }, 'flow sms queued');
  } catch (err) {
    ctx.logger.warn({ err, call_id: call.id }, 'flow sms not sent');
    const known = isAppError(err) ? err : null;
    await noteOnTimeline(ctx, call, 'flow.sms_refused', {
      to: cmd.to,
      from,
      code: known?.code ?? 'internal_error',
      detail: known?.detail ?? 'The message could not be queued.',
    });
  }
}

/**
 * Carries out one interpreter command (one small handler per command). Waiting commands bump
 * the call's epoch first, so late events and timers of the previous command are ignored.
 */
export async function runCommand(
  ctx: OrchestratorContext,
  driver: FlowDriver,
  call: LiveCall,
  command: FlowCommand,
): Promise<void> {
  if (command.type !== 'send_sms') call.epoch += 1;
  switch (command.type) {
    case 'send_sms':
      return runSms(ctx, call, command);
    case 'play':
      return runPlay(ctx, call, command);
    case 'collect_digits':
      return runCollect(ctx, driver, call, command);
    case 'dial':
      return runDial(ctx, driver, call, command);
    case 'record':
      return runRecord(ctx, call, command);
    case 'http_request':
      return runHttp(ctx, driver, call, command);
    case 'pause':
      return runPause(ctx, driver, call, command);
    case 'redirect':
      return driver.redirect(call, command.flow_id);
    case 'hangup':
      await ctx.media().hangup(call.channelId);
      return;
  }
}

/** Stops what the current command left running (timers, prompt, leg, request). */
export async function cancelActivity(ctx: OrchestratorContext, call: LiveCall): Promise<void> {
  const activity = call.activity;
  if (!activity) return;
  switch (activity.kind) {
    case 'collect':
      activity.collector.cancel();
      for (const id of activity.pending) await ctx.media().stopPlayback(id);
      break;
    case 'play':
      for (const id of activity.pending) await ctx.media().stopPlayback(id);
      break;
    case 'pause':
      activity.cancelTimer();
      break;
    case 'http':
      activity.abort.abort();
      break;
    case 'dial':
      await cancelDial(ctx, call);
      break;
    default:
      break;
  }
  call.activity = null;
}
