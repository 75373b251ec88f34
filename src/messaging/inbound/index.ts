export { createReassembler, groupIdOf } from './reassembly.js';
export type { MoPart, Reassembler, ReassembledMessage, ExpiredMessage } from './reassembly.js';
export { createInboundPartsStore } from './inbound-parts.store.js';
export type { InboundPartsStore } from './inbound-parts.store.js';
