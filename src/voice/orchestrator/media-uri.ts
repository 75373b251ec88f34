import type { FlowMedia } from '../../flows/index.js';
import type { TtsCache } from '../tts/index.js';

/**
 * The ARI media for a play: rendered speech by its URL, an https URL as given (the ARI
 * adapter sends URLs as `sound:<url>` for Asterisk's HTTP media cache), or a `sound:` file.
 */
export async function mediaUriOf(media: FlowMedia, tts: TtsCache): Promise<string> {
  if (media.kind === 'tts') {
    return tts.urlFor({ text: media.text, voice: media.voice, language: media.language });
  }
  return media.kind === 'url' ? media.url : `sound:${media.name}`;
}
