export { createPbxSimulator } from './pbx-simulator.js';
export type { PbxSimulator, PbxSimulatorOptions, PbxChannelSnapshot } from './pbx-simulator.js';
export type { PbxTiming } from './pbx-state.js';
export { parseDialedNumber, decideDialOutcome } from './dial-outcome.js';
export type { DialOutcome } from './dial-outcome.js';
