import { cpus, loadavg } from 'node:os';
import * as api from './api.js';
import * as chat from './chat.js';
import * as sms from './sms.js';
import { cleanUpOnSignals } from './support/platform.js';
import { formatReport } from './support/report.js';
import { loadBenchSettings } from './support/settings.js';
import type { RunSuite } from './support/suite.js';
import * as voice from './voice.js';
import * as webhooks from './webhooks.js';

/**
 * `npm run bench [-- <suite>...]`: runs the named suites, or all of them, one after another,
 * and prints each report as Markdown. Add a suite by adding its module to SUITES.
 */
const SUITES: Record<string, { run: RunSuite }> = { api, webhooks, sms, voice, chat };

async function main(): Promise<void> {
  const settings = loadBenchSettings(process.env);
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown suite(s): ${unknown.join(', ')}. Known: ${Object.keys(SUITES).join(', ')}.`,
    );
  }
  cleanUpOnSignals();
  const [one, five] = loadavg();
  console.log(
    `Trunkline benchmarks — ${new Date().toISOString()} — ${cpus().length} CPUs, node ${process.version}, ` +
      `BENCH_SECONDS=${settings.seconds}, LOG_LEVEL=${settings.logLevel}, load average ${one.toFixed(2)} / ${five.toFixed(2)}\n`,
  );
  for (const name of names.length > 0 ? names : Object.keys(SUITES)) {
    const started = Date.now();
    const before = loadavg()[0];
    console.log(`Running ${name}...`);
    const report = await SUITES[name].run(settings);
    report.notes.push(
      `Machine load average (1 min) ${before.toFixed(2)} before the suite, ${loadavg()[0].toFixed(2)} after.`,
    );
    console.log(
      `${formatReport(report)}\n\n(${name} took ${Math.round((Date.now() - started) / 1000)} s)\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
