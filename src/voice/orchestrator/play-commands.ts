import type { CollectDigitsCommand, PlayCommand } from '../../flows/index.js';
import type { OrchestratorContext } from './context.js';
import { createDigitCollector, type SetTimer } from './digit-collector.js';
import type { FlowDriver } from './driver.js';
import type { LiveCall } from './live-call.js';
import { mediaUriOf } from './media-uri.js';

/** Longest a gather may wait in all, whatever its settings say. */
const MAX_COLLECT_MS = 10 * 60 * 1000;

/** Queues `loop` playbacks of the media; returns their ids, in order. */
async function queuePlaybacks(
  ctx: OrchestratorContext,
  call: LiveCall,
  command: PlayCommand,
): Promise<string[]> {
  const uri = await mediaUriOf(command.media, ctx.tts, ctx.checkMediaUrl);
  const ids: string[] = [];
  for (let i = 0; i < Math.max(1, command.loop); i += 1) {
    const id = `${call.id}.p${call.epoch}.${i}`;
    ids.push(id);
    await ctx.media().play(call.channelId, id, uri);
  }
  return ids;
}

/** A timer whose callback runs on the call's queue, and only while the call is on `epoch`. */
export function callTimer(
  ctx: OrchestratorContext,
  call: LiveCall,
): (ms: number, fire: () => void | Promise<void>) => () => void {
  const epoch = call.epoch;
  return (ms, fire) => {
    const timer = setTimeout(() => {
      void ctx.registry.enqueue(call, async () => {
        if (!call.ended && call.epoch === epoch) await fire();
      });
    }, ms);
    timer.unref();
    return () => clearTimeout(timer);
  };
}

/** say / play: answered by `play_finished` once the last loop ends. */
export async function runPlay(ctx: OrchestratorContext, call: LiveCall, command: PlayCommand) {
  const activity = {
    kind: 'play' as const,
    playbackIds: [] as string[],
    pending: new Set<string>(),
  };
  call.activity = activity;
  activity.playbackIds = await queuePlaybacks(ctx, call, command);
  for (const id of activity.playbackIds) activity.pending.add(id);
}

/**
 * gather: the prompt plays while keys are collected; the first key stops the prompt, and
 * waiting for keys starts once the prompt is over. Answered by `digits` or `timeout`.
 */
export async function runCollect(
  ctx: OrchestratorContext,
  driver: FlowDriver,
  call: LiveCall,
  command: CollectDigitsCommand,
) {
  const timeoutMs = command.timeout * ctx.secondMs;
  const collector = createDigitCollector(
    {
      numDigits: command.num_digits,
      finishOnKey: command.finish_on_key,
      interDigitMs: timeoutMs,
      overallMs: Math.min(MAX_COLLECT_MS, timeoutMs * Math.max(2, command.num_digits + 1)),
    },
    {
      setTimer: callTimer(ctx, call) as SetTimer,
      onDone: (result) => {
        void ctx.registry.enqueue(call, async () => {
          if (call.ended) return;
          await stopPrompt(ctx, call);
          await driver.feed(call, result);
        });
      },
    },
  );
  const activity = {
    kind: 'collect' as const,
    collector,
    playbackIds: [] as string[],
    pending: new Set<string>(),
  };
  call.activity = activity;
  if (!command.prompt) {
    collector.startWaiting();
    return;
  }
  activity.playbackIds = await queuePlaybacks(ctx, call, command.prompt);
  for (const id of activity.playbackIds) activity.pending.add(id);
}

/** Stops whatever is left of the gather's prompt (the first key interrupts it). */
async function stopPrompt(ctx: OrchestratorContext, call: LiveCall): Promise<void> {
  const activity = call.activity;
  if (activity?.kind !== 'collect') return;
  const pending = [...activity.pending];
  activity.pending.clear();
  // A prompt that cannot be stopped plays on; the key that came is still the caller's (it was
  // lost when the stop's error skipped the press).
  for (const id of pending) {
    await ctx
      .media()
      .stopPlayback(id)
      .catch((err: unknown) =>
        ctx.logger.warn({ err, call_id: call.id, playback_id: id }, 'prompt not stopped'),
      );
  }
}

/** A playback ended: the play is over after its last loop; a gather starts waiting for keys. */
export async function onPlaybackFinished(
  driver: FlowDriver,
  call: LiveCall,
  playbackId: string,
): Promise<void> {
  const activity = call.activity;
  if (activity?.kind !== 'play' && activity?.kind !== 'collect') return;
  if (!activity.pending.delete(playbackId) || activity.pending.size > 0) return;
  if (activity.kind === 'collect') {
    activity.collector.startWaiting();
    return;
  }
  call.activity = null;
  await driver.feed(call, { type: 'play_finished' });
}

/** A key during a gather: the prompt stops, the key is collected. */
export async function onCollectKey(
  ctx: OrchestratorContext,
  call: LiveCall,
  digit: string,
): Promise<void> {
  const activity = call.activity;
  if (activity?.kind !== 'collect') return;
  await stopPrompt(ctx, call);
  activity.collector.press(digit);
  if (!activity.collector.done && activity.pending.size === 0) activity.collector.startWaiting();
}
