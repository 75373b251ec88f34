export { createSmscSimulator } from './smsc-simulator.js';
export type { SmscSimulator, SmscSimulatorOptions, SmscStats, SmscUser } from './smsc-types.js';
export type { Submission } from './submission-log.js';
export { MAGIC_DESTINATIONS } from './outcomes.js';
export type { IdFormat, DlrIdFormat } from './message-ids.js';
