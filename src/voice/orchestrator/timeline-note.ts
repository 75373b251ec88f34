import type { OrchestratorContext } from './context.js';
import type { LiveCall } from './live-call.js';

/**
 * Adds a note to the call's timeline (`flow.sms_refused`, `flow.dial_refused`,
 * `flow.redirect_failed`): it says why the flow went as it did. A note that cannot be written
 * is logged, never a reason to stop the call.
 */
export async function noteOnTimeline(
  ctx: OrchestratorContext,
  call: LiveCall,
  type: string,
  data: Record<string, unknown>,
): Promise<void> {
  await ctx.callEvents
    .note({ id: call.id, project_id: call.projectId }, type, data)
    .catch((err: unknown) =>
      ctx.logger.warn({ err, call_id: call.id, note: type }, 'timeline note not written'),
    );
}
