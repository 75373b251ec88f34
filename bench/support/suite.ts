import type { SuiteReport } from './report.js';
import type { BenchSettings } from './settings.js';

/**
 * What every suite module (`bench/api.ts`, `bench/sms.ts`...) exports: one function that
 * measures, tears down everything it started, and returns its report. It must talk only to
 * 127.0.0.1, bound every load by count or time, and finish in about two minutes.
 */
export type RunSuite = (settings: BenchSettings) => Promise<SuiteReport>;
