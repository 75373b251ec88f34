export { createNumbersStore } from './numbers.store.js';
export type { NumbersStore, NumberRow } from './numbers.store.js';
export { createNumbersRouter, numberView } from './numbers.routes.js';
export type { NumbersRouterDeps } from './numbers.routes.js';
export { createCachedNumbers } from './cached-numbers.js';
