import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, SETTINGS } from '../../src/config.js';

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

  it('refuses at load, naming the variable, a port above 65535 and retry delays that are not numbers', () => {
    expect(() => loadConfig({ PORT: '99999' })).to.throw(ConfigError, /PORT/);
    expect(loadConfig({ PORT: '65535' }).port).to.equal(65535);
    expect(() => loadConfig({ WEBHOOK_RETRY_DELAYS: 'abc' })).to.throw(
      ConfigError,
      /WEBHOOK_RETRY_DELAYS/,
    );
    expect(loadConfig({ WEBHOOK_RETRY_DELAYS: '1, 2.5,60' }).webhookRetryDelays).to.equal(
      '1, 2.5,60',
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
