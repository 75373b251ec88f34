export { createVoiceFeature } from './feature.js';
export type { VoiceDeps, VoiceFeature, SendFlowSms } from './feature.js';
export type { TtsProvider, SpeechRequest } from './tts/index.js';
export {
  CALL_STATUSES,
  transitionCall,
  statusForHangup,
  causeName,
  isFinalCallStatus,
} from './call-status.js';
export type { CallStatus } from './call-status.js';
