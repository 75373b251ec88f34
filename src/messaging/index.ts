export {
  analyzeText,
  encodeMessage,
  decodeShortMessage,
  parseUdh,
  MAX_SEGMENTS,
} from './encoding/index.js';
export type { SmsEncoding, TextAnalysis, EncodedSegment, ConcatInfo } from './encoding/index.js';
export { MAX_BODY_CHARACTERS } from './send-message.js';
export { createMessagingFeature } from './feature.js';
export type { MessagingDeps } from './feature.js';
export { transition, statusFromParts } from './status.js';
export type { MessageStatus } from './status.js';
