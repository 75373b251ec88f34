import { teardownHarness } from './harness.js';

// Root hooks: the harness creates its database lazily (unit tests never touch a server) and
// this drops it, with the run's Redis keys, once every file has run.
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await teardownHarness();
  },
};
