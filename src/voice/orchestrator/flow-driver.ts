import { ChannelGoneError } from '../../connectors/index.js';
import {
  nextFlow,
  redirectContext,
  startFlow,
  type FlowCommand,
  type FlowTimelineEntry,
  type FlowTransition,
} from '../../flows/index.js';
import { isAppError, isStoreUnavailable, retryWrite } from '../../platform/index.js';
import type { CallRow } from '../calls.store.js';
import { causeName, statusForHangup } from '../call-status.js';
import { endCallRecording, startCallRecording } from './call-recording.js';
import { cancelActivity, runCommand } from './commands.js';
import type { OrchestratorContext } from './context.js';
import type { EndFacts, FlowDriver } from './driver.js';
import { writeUntilDone } from './final-write.js';
import type { LiveCall } from './live-call.js';
import { noteOnTimeline } from './timeline-note.js';

const WAITING = new Set<FlowCommand['type']>([
  'play',
  'collect_digits',
  'dial',
  'record',
  'http_request',
  'pause',
]);

/** The command a transition leaves the flow waiting on, if any. */
function waitingCommandOf(transition: FlowTransition): FlowCommand | null {
  if (transition.state.ended) return null;
  const waiting = transition.commands.filter((command) => WAITING.has(command.type));
  return waiting.at(-1) ?? null;
}

function isChannelGone(err: unknown): boolean {
  return err instanceof ChannelGoneError || (isAppError(err) && err.code === 'channel_gone');
}

/** The FlowDriver plus the entry points the orchestrator uses: answer and resume. */
export interface CallDriver extends FlowDriver {
  /** The call is answered (outbound: the callee picked up; inbound: we answer it now). */
  answer(call: LiveCall, options: { answerChannel: boolean }): Promise<void>;
  /** Re-issues the command the call waits on (after a restart or a lost event stream). */
  resume(call: LiveCall): Promise<void>;
  /**
   * Runs media work for a call outside a command (bridging a dialled leg that answered): a
   * gone channel ends the call as a hang-up, any other failure hangs it up with `media_error`
   * rather than leaving caller and callee in silence.
   */
  guard(call: LiveCall, work: () => Promise<void>): Promise<void>;
}

/** Who ended the call under its flow, as the flow event that ends it. */
function hangUpEvent(
  call: LiveCall,
  facts: EndFacts,
): 'media_error' | 'api_hangup' | 'caller_hangup' {
  if (facts.reason === 'media_error') return 'media_error';
  return call.hungUpByApi ? 'api_hangup' : 'caller_hangup';
}

/**
 * Pauses between attempts to save a step while the database is unavailable (about 16 s in
 * all) before the call is hung up; any other failure hangs it up at once.
 */
const STEP_WRITE_DELAYS_MS = [200, 500, 1000, 2000, 4000, 8000];

/**
 * Runs flows on live calls: every interpreter transition is persisted (state, waiting
 * command, timeline entries) before its commands run, so a restart resumes from the last
 * step. A command that finds the channel gone (ARI 404) ends the call as a hang-up; any other
 * media failure hangs the call up rather than leaving the caller in silence.
 */
export function createFlowDriver(ctx: OrchestratorContext): CallDriver {
  /** Saves the interpreter state and the steps entered (one statement, nothing read first). */
  async function persist(
    call: LiveCall,
    entries: FlowTimelineEntry[],
    options: { definitionChanged: boolean },
  ): Promise<void> {
    const patch: Partial<CallRow> = {
      flow_state: call.state,
      flow_command: call.waiting,
      updated_at: ctx.clock.now(),
      ...(options.definitionChanged && { flow_definition: call.definition }),
      // A step past a dial leaves its leg behind (`runDial` records the next one's).
      ...(call.row.dial_leg && { dial_leg: null }),
    };
    if (entries.length === 0) await ctx.store.update(ctx.db, call.id, patch);
    else await ctx.callEvents.updateWithSteps(call.row, patch, entries);
    call.row = { ...call.row, ...patch };
  }

  /** Takes on the transition's state and the command it leaves the flow waiting on. */
  async function enter(call: LiveCall, transition: FlowTransition): Promise<void> {
    await cancelActivity(ctx, call);
    call.state = transition.state;
    call.waiting = waitingCommandOf(transition);
  }

  async function runCommands(call: LiveCall, transition: FlowTransition): Promise<void> {
    for (const command of transition.commands) {
      if (call.ended) return;
      await guarded(call, () => runCommand(ctx, driver, call, command));
    }
  }

  async function guarded(call: LiveCall, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (call.ended) return;
      if (isChannelGone(err)) {
        await driver.end(call, { cause: 16 });
        return;
      }
      ctx.logger.error({ err, call_id: call.id }, 'call media failed; hanging up');
      const hungUp = await ctx
        .media()
        .hangup(call.channelId)
        .then(
          () => true,
          () => false,
        );
      // The flow's own hangup step failed once and worked now: the call ended as it meant to.
      const asMeant = hungUp && call.state?.ended_by === 'hangup';
      await driver.end(call, asMeant ? { cause: 16 } : { cause: 0, reason: 'media_error' });
    }
  }

  async function apply(
    call: LiveCall,
    transition: FlowTransition,
    options = { definitionChanged: false },
  ): Promise<void> {
    await enter(call, transition);
    try {
      // A step is saved before its commands run; a database blip mid-call must not leave the
      // caller in silence with the flow stopped (it did, until the far end hung up).
      await retryWrite(
        () => persist(call, transition.entered, options),
        STEP_WRITE_DELAYS_MS,
        (err, attempt) =>
          ctx.logger.warn({ err, call_id: call.id, attempt }, 'saving a step failed; retrying'),
        isStoreUnavailable,
      );
    } catch (err) {
      ctx.logger.error({ err, call_id: call.id }, 'a step could not be saved; hanging up');
      await ctx
        .media()
        .hangup(call.channelId)
        .catch((hangupErr: unknown) =>
          ctx.logger.warn({ err: hangupErr, call_id: call.id }, 'hang-up failed'),
        );
      return;
    }
    await runCommands(call, transition);
  }

  const driver: CallDriver = {
    async feed(call, event) {
      if (call.ended || call.leaving || !call.state) return;
      await apply(call, nextFlow(call.definition, call.state, event));
    },

    async end(call, facts: EndFacts) {
      if (call.ended) return;
      call.ended = true;
      await cancelActivity(ctx, call).catch((err: unknown) =>
        ctx.logger.warn({ err, call_id: call.id }, 'clean-up after hang-up failed'),
      );
      await endCallRecording(ctx, call).catch((err: unknown) =>
        ctx.logger.warn({ err, call_id: call.id }, 'snoop channel not hung up'),
      );
      let entries: FlowTimelineEntry[] = [];
      if (call.state && !call.state.ended) {
        const transition = nextFlow(call.definition, call.state, {
          type: hangUpEvent(call, facts),
        });
        call.state = transition.state;
        entries = transition.entered;
      }
      const status = statusForHangup({ ...call, cause: facts.cause });
      await writeUntilDone(
        () =>
          ctx.callEvents.moveStatusFrom(call.row, status, {
            steps: { before: entries },
            extra: {
              hangup_cause: facts.reason ?? causeName(facts.cause),
              flow_state: call.state,
              flow_command: null,
            },
          }),
        { logger: ctx.logger, callId: call.id },
      );
      ctx.registry.remove(call);
    },

    async redirect(call, flowId) {
      const target = await ctx.flows.resolveActive(call.projectId, flowId).catch(() => null);
      if (!target || !call.state) {
        ctx.logger.warn({ call_id: call.id, flow_id: flowId }, 'redirect to an unknown flow');
        // The timeline says why the call ends (the flow may have been deleted since).
        await noteOnTimeline(ctx, call, 'flow.redirect_failed', {
          flow_id: flowId,
          code: 'unknown_flow',
        });
        await ctx.media().hangup(call.channelId);
        return;
      }
      await cancelActivity(ctx, call);
      // The API's redirect leaves a step mid-way (the redirect verb has ended the flow already).
      const left = nextFlow(call.definition, call.state, { type: 'redirected' });
      call.definition = target.definition;
      const transition = startFlow(target.definition, redirectContext(left.state));
      await apply(
        call,
        { ...transition, entered: [...left.entered, ...transition.entered] },
        { definitionChanged: true },
      );
    },

    async answer(call, options) {
      // A StasisStart the PBX repeats (or one for a call answered before a restart) must not
      // run the flow from the top again.
      if (call.answered || call.ended) return;
      if (call.canceledByUs) {
        // The API hung up before the answer, but the callee picked up first (or the PBX had
        // not listed the channel yet when we hung up): hang up now; it ends `canceled`.
        await guarded(call, () => ctx.media().hangup(call.channelId));
        return;
      }
      await guarded(call, async () => {
        if (options.answerChannel) await ctx.media().answer(call.channelId);
        call.answered = true;
        call.originating = false;
        const flowCall = { id: call.id, from: call.from, to: call.to, direction: call.direction };
        const transition = startFlow(call.definition, { call: flowCall });
        await enter(call, transition);
        // The answer and the flow's first steps: one UPDATE, one append.
        const answered = await ctx.callEvents.moveStatusFrom(call.row, 'in-progress', {
          steps: { after: transition.entered },
          extra: { flow_state: call.state, flow_command: call.waiting },
        });
        if (answered) call.row = answered;
        else await persist(call, [], { definitionChanged: false });
        if (call.record) await startCallRecording(ctx, call);
        await runCommands(call, transition);
      });
    },

    guard: guarded,

    async resume(call) {
      if (call.state?.ended) {
        await guarded(call, () => ctx.media().hangup(call.channelId));
        return;
      }
      const waiting = call.waiting;
      if (!waiting) return;
      await cancelActivity(ctx, call);
      await guarded(call, () => runCommand(ctx, driver, call, waiting));
    },
  };
  return driver;
}
