export { createReassembler } from './reassembly.js';
export type { MoPart, Reassembler, ReassembledMessage, ExpiredMessage } from './reassembly.js';
