export { analyzeText, encodeMessage, SEGMENT_LIMITS, MAX_SEGMENTS } from './segment.js';
export type { SmsEncoding, TextAnalysis, EncodedSegment } from './segment.js';
export { decodeShortMessage } from './decode.js';
export { parseUdh } from './udh.js';
export type { ConcatInfo } from './udh.js';
