import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { harnessSettings, prepareDatabase } from '../support/harness.js';

const run = promisify(execFile);

describe('the trunkline command', () => {
  before(() => prepareDatabase());

  it('prints only JSON on standard output for project create, its logs on standard error', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'project', 'create', '--name', 'from the cli'],
      {
        env: {
          ...process.env,
          DATABASE_URL: harnessSettings.databaseUrl,
          REDIS_URL: harnessSettings.redisUrl,
          REDIS_PREFIX: harnessSettings.redisPrefix,
          LOG_LEVEL: 'info',
        },
      },
    );
    const project = JSON.parse(stdout) as Record<string, string>;
    expect(project.name).to.equal('from the cli');
    expect(project.api_key).to.be.a('string');
    expect(project.webhook_secret).to.match(/^whsec_/);
    expect(stderr).to.contain('"level":30');
  });
});
