import { execFile, spawn } from 'node:child_process';
import type { TtsProvider } from './tts-provider.js';
import { encodeWav, parseWav, resample, TELEPHONY_RATE } from '../../media/index.js';

const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
const TIMEOUT_MS = 20_000;
const SAFE_VOICE = /^[A-Za-z0-9_+-]{1,40}$/;

/** True when `binary --version` runs (espeak-ng is installed). */
export function detectEspeak(binary = 'espeak-ng'): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { timeout: 5000 }, (err) => resolve(!err));
  });
}

/** The espeak-ng voice for a step: its `voice`, else its `language` (`en-US` → `en-us`), else `en`. */
export function espeakVoiceOf(voice?: string, language?: string): string {
  const candidate = voice ?? language?.toLowerCase() ?? 'en';
  return SAFE_VOICE.test(candidate) ? candidate : 'en';
}

function runEspeak(binary: string, voice: string, text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--stdout', '--stdin', '-v', voice], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`espeak-ng exited with ${code}`));
    });
    child.stdin.end(text);
  });
}

/**
 * espeak-ng (writes a 22,050 Hz WAV), resampled to 8 kHz here so no other tool is needed.
 * The text goes through stdin, never the command line.
 */
export function createEspeakTts(binary = 'espeak-ng'): TtsProvider {
  return {
    name: 'espeak-ng',
    async synthesize({ text, voice, language }) {
      const wav = await runEspeak(binary, espeakVoiceOf(voice, language), text);
      return encodeWav(resample(parseWav(wav), TELEPHONY_RATE));
    },
  };
}
