export { createUsageStore } from './usage.store.js';
export type { UsageDay } from './usage.store.js';
export { createUsageRouter } from './usage.routes.js';
