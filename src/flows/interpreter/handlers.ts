import type { FlowStep, FlowVerb } from '../flow-types.js';
import { branchHandler } from './branch.js';
import { dialHandler } from './dial.js';
import { hangupHandler, redirectHandler } from './ending.js';
import { gatherHandler } from './gather.js';
import { pauseHandler } from './pause.js';
import { playHandler, sayHandler } from './playback.js';
import { recordHandler } from './record.js';
import { setHandler } from './set.js';
import { smsHandler } from './sms.js';
import type { VerbHandler } from './verb-handler.js';
import { webhookHandler } from './webhook.js';

type HandlerMap = { [V in FlowVerb]: VerbHandler<Extract<FlowStep, { verb: V }>> };

const HANDLERS: HandlerMap = {
  say: sayHandler,
  play: playHandler,
  gather: gatherHandler,
  dial: dialHandler,
  record: recordHandler,
  pause: pauseHandler,
  set: setHandler,
  branch: branchHandler,
  webhook: webhookHandler,
  sms: smsHandler,
  redirect: redirectHandler,
  hangup: hangupHandler,
};

/** The handler of a step's verb, typed for any step. */
export function handlerFor(step: FlowStep): VerbHandler {
  return HANDLERS[step.verb] as VerbHandler;
}
