import { FLOW_DEFAULTS, type PromptSpec } from '../flow-types.js';
import { renderTemplate, renderUrlTemplate, type TemplateScope } from '../templates.js';
import type { FlowMedia, PlayCommand } from './flow-commands.js';

/** The media of a play step's `url`: `sound:<name>` or an https URL. */
export function toMedia(url: string): FlowMedia {
  return url.startsWith('sound:') ? { kind: 'sound', name: url.slice(6) } : { kind: 'url', url };
}

/** The `play` command for a say or play (also a gather's prompt), with its text rendered. */
export function buildPlayCommand(spec: PromptSpec, scope: TemplateScope): PlayCommand {
  const loop = spec.loop ?? FLOW_DEFAULTS.loop;
  if (spec.verb === 'play') {
    // An https URL may carry references; a `sound:` name is taken as it is.
    const url = spec.url.startsWith('sound:') ? spec.url : renderUrlTemplate(spec.url, scope);
    return { type: 'play', media: toMedia(url), loop };
  }
  const media: FlowMedia = { kind: 'tts', text: renderTemplate(spec.text, scope) };
  if (spec.voice !== undefined) media.voice = spec.voice;
  if (spec.language !== undefined) media.language = spec.language;
  return { type: 'play', media, loop };
}

/** What the timeline says was played: the spoken text or the audio's url. */
export function describePlay(command: PlayCommand): Record<string, string> {
  const { media } = command;
  if (media.kind === 'tts') return { text: media.text };
  return { url: media.kind === 'url' ? media.url : `sound:${media.name}` };
}
