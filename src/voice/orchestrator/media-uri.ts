import type { FlowMedia } from '../../flows/index.js';
import type { TtsCache } from '../tts/index.js';

/**
 * The ARI media for a play: rendered speech by its URL, an https URL as given once `checkUrl`
 * accepts it (the ARI adapter sends URLs as `sound:<url>` for Asterisk's HTTP media cache),
 * or a `sound:` file.
 */
export async function mediaUriOf(
  media: FlowMedia,
  tts: TtsCache,
  checkUrl: (url: string) => Promise<void>,
): Promise<string> {
  if (media.kind === 'tts') {
    return tts.urlFor({ text: media.text, voice: media.voice, language: media.language });
  }
  if (media.kind === 'url') {
    // Refused like an unplayable prompt: the call ends with media_error.
    await checkUrl(media.url);
    return media.url;
  }
  return `sound:${media.name}`;
}
