import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { loadConfig, SETTINGS } from '../../src/config.js';

describe('configuration', () => {
  it('lets operators raise the webhook attempts in flight per endpoint, 10 by default', () => {
    expect(loadConfig({}).webhookConcurrencyPerEndpoint).to.equal(10);
    expect(
      loadConfig({ WEBHOOK_CONCURRENCY_PER_ENDPOINT: '50' }).webhookConcurrencyPerEndpoint,
    ).to.equal(50);
    expect(() => loadConfig({ WEBHOOK_CONCURRENCY_PER_ENDPOINT: 'many' })).to.throw(
      /WEBHOOK_CONCURRENCY_PER_ENDPOINT/,
    );
  });

  it('documents every setting in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    // A row names one setting, or several comma-separated (`| \`A\`, \`B\` | …`).
    const documented = new Set(
      readme
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1])),
    );
    const missing = SETTINGS.map((s) => s.env).filter((env) => !documented.has(env));
    expect(missing).to.deep.equal([]);
  });
});
