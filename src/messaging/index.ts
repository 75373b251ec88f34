export { analyzeText, encodeMessage, decodeShortMessage, parseUdh } from './encoding/index.js';
export type { SmsEncoding, TextAnalysis, EncodedSegment, ConcatInfo } from './encoding/index.js';
