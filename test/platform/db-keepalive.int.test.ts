import { expect } from 'chai';
import { createDb } from '../../src/platform/db.js';
import { harnessSettings, prepareDatabase } from '../support/harness.js';

describe('createDb', () => {
  it('opens its PostgreSQL connections with TCP keepalive, first probe after 10 s of silence', async () => {
    await prepareDatabase();
    const db = createDb(harnessSettings.databaseUrl, 1);
    try {
      const connection = (await db.client.acquireConnection()) as {
        connection: { _keepAlive: boolean; _keepAliveInitialDelayMillis: number };
      };
      try {
        expect(connection.connection._keepAlive).to.equal(true);
        expect(connection.connection._keepAliveInitialDelayMillis).to.equal(10_000);
      } finally {
        await db.client.releaseConnection(connection);
      }
    } finally {
      await db.destroy();
    }
  });
});
