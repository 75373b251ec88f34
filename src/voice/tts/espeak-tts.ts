import { execFile, spawn } from 'node:child_process';
import type { TtsProvider } from './tts-provider.js';
import { encodeWav, parseWav, resample, TELEPHONY_RATE } from '../../media/index.js';

/**
 * Speech kept from one synthesis, at most: 32 MB of espeak-ng's 22,050 Hz output is about 12
 * minutes. Longer speech is cut there (a valid 4,000-character `say` of symbols espeak reads
 * as words went over, and the call used to hang up with media_error).
 */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
const TIMEOUT_MS = 20_000;
const SAFE_VOICE = /^[A-Za-z0-9_+-]{1,40}$/;

/** True when `binary --version` runs (espeak-ng is installed). */
export function detectEspeak(binary = 'espeak-ng'): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: 5000 }, (err) => resolve(!err));
  });
}

/** The voice names of Twilio's `<Say>` that flow authors bring along, in espeak-ng's terms. */
const NAMED_VOICES: Record<string, string> = { man: 'en+m3', woman: 'en+f3', alice: 'en+f3' };

/** The espeak-ng voice for a step: its `voice`, else its `language` (`en-US` → `en-us`), else `en`. */
export function espeakVoiceOf(voice?: string, language?: string): string {
  const named = voice === undefined ? undefined : NAMED_VOICES[voice.toLowerCase()];
  const candidate = named ?? voice ?? language?.toLowerCase() ?? 'en';
  return SAFE_VOICE.test(candidate) ? candidate : 'en';
}

/** espeak-ng's exit status when it has no such voice (or language). */
const UNKNOWN_VOICE_EXIT = 1;

class EspeakExit extends Error {
  constructor(readonly code: number | null) {
    super(`espeak-ng exited with ${code}`);
  }
}

function runEspeak(binary: string, voice: string, text: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--stdout', '--stdin', '-v', voice], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let cut = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      if (cut) return;
      const room = maxBytes - size;
      size += chunk.length;
      if (chunk.length < room) return void chunks.push(chunk);
      chunks.push(chunk.subarray(0, room));
      cut = true;
      child.kill('SIGKILL');
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // Cut at the cap: the WAV's data runs to the end of what was kept (parseWav clamps).
      if (code === 0 || cut) resolve(Buffer.concat(chunks));
      else reject(new EspeakExit(code));
    });
    child.stdin.end(text);
  });
}

/**
 * espeak-ng (writes a 22,050 Hz WAV), resampled to 8 kHz here so no other tool is needed.
 * The text goes through stdin, never the command line.
 */
export function createEspeakTts(
  binary = 'espeak-ng',
  options: { maxOutputBytes?: number } = {},
): TtsProvider {
  const maxBytes = options.maxOutputBytes ?? MAX_OUTPUT_BYTES;
  return {
    name: 'espeak-ng',
    async synthesize({ text, voice, language }) {
      const wanted = espeakVoiceOf(voice, language);
      // A voice or language espeak-ng does not have is read in its default English voice,
      // as Twilio reads an unknown voice in its default one, rather than failing the call.
      const wav = await runEspeak(binary, wanted, text, maxBytes).catch((err: unknown) => {
        if (!(err instanceof EspeakExit) || err.code !== UNKNOWN_VOICE_EXIT || wanted === 'en')
          throw err;
        return runEspeak(binary, 'en', text, maxBytes);
      });
      return encodeWav(resample(parseWav(wav), TELEPHONY_RATE));
    },
  };
}
