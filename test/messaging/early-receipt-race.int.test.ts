import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

const FROM = '+14155550798';
const SLOW_TO = '+14155550797';

/**
 * A part's INSERT that is slow to commit (a trigger sleeps in it, for one destination): the
 * sandbox SMSC's receipt (20 ms after the submit) is kept as early after that INSERT took its
 * snapshot, and looks for the part before the INSERT commits, so neither side sees the other.
 * The sender's last look at early receipts, after every part committed, must apply it.
 */
describe('a delivery receipt that races its part both ways', function () {
  this.timeout(30_000);
  let app: TestApp;
  let api: ReturnType<typeof clientFor>;

  before(async () => {
    app = await startApp();
    api = clientFor(app.url, (await createTestProject(app, 'early-race')).apiKey);
    await api('POST', '/v1/numbers', { body: { number: FROM } });
    await app.runtime.db.raw(`
      create function test_slow_part() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from messages m where m.id = new.message_id and m.to_addr = '${SLOW_TO}') then
          perform pg_sleep(0.5);
        end if;
        return new;
      end $$;
      create trigger test_slow_part before insert on message_parts
        for each row execute function test_slow_part();`);
  });
  after(async () => {
    await app.runtime.db.raw(`
      drop trigger test_slow_part on message_parts;
      drop function test_slow_part();`);
    await app.stop();
  });

  it('marks the message delivered, the receipt kept as early applied', async () => {
    const sent = await api<{ id: string }>('POST', '/v1/messages', {
      body: { from: FROM, to: SLOW_TO, body: 'slow part' },
    });
    const delivered = await eventually(async () => {
      const res = await api<{ status: string }>('GET', `/v1/messages/${sent.body.id}`);
      return res.body.status === 'delivered' ? res.body : undefined;
    }, 15_000);
    expect(delivered.status).to.equal('delivered');
    expect(Number((await app.runtime.db('early_receipts').count({ n: '*' }))[0].n)).to.equal(0);
  });
});
