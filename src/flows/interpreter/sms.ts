import type { SmsStep } from '../flow-types.js';
import { renderTemplate } from '../templates.js';
import type { SendSmsCommand } from './flow-commands.js';
import { ignoreEvents, type StepScope, type VerbHandler } from './verb-handler.js';

/** The other party of the call: the caller on an inbound call, the callee on an outbound one. */
function otherParty(scope: StepScope): string {
  return scope.call.direction === 'outbound' ? scope.call.to : scope.call.from;
}

/** sms: queue a text (fire and forget) and move to `next` at once. */
export const smsHandler: VerbHandler<SmsStep> = {
  enter: (step, scope) => {
    const command: SendSmsCommand = {
      type: 'send_sms',
      to: step.to === undefined ? otherParty(scope) : renderTemplate(step.to, scope),
      body: renderTemplate(step.body, scope),
    };
    if (step.from !== undefined) command.from = renderTemplate(step.from, scope);
    return {
      kind: 'move',
      next: step.next,
      commands: [command],
      report: { outcome: 'queued', details: { to: command.to, body: command.body } },
    };
  },
  resume: ignoreEvents,
};
