import type { Knex } from 'knex';
import * as m001 from './001-foundation.js';
import * as m002 from './002-webhooks.js';
import * as m003 from './003-messaging.js';
import * as m004 from './004-voice.js';
import * as m005 from './005-chat.js';
import * as m006 from './006-webhook-dispatch.js';
import * as m007 from './007-refuse.js';
import * as m008 from './008-parts-by-smsc-id.js';
import * as m009 from './009-sms-dispatch.js';
import * as m010 from './010-events-one-stream-index.js';
import * as m011 from './011-idempotency-scope.js';
import * as m012 from './012-consent-exempt.js';
import * as m013 from './013-admin-idempotency.js';
import * as m014 from './014-inbound-parts.js';
import * as m015 from './015-idempotent-answer-text.js';
import * as m016 from './016-dial-leg.js';
import * as m017 from './017-parts-share-smsc-id.js';
import * as m018 from './018-retention-indexes.js';
import * as m019 from './019-chat-events-index.js';

/** One migration module: a stable name plus up/down. */
export interface Migration {
  name: string;
  /**
   * `transaction: false` for one that builds indexes CONCURRENTLY (outside a transaction): it
   * then runs on its own, and so do the others of its batch, each in its own transaction.
   */
  config?: { transaction?: boolean };
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration in order. Add new ones at the end; never rename an applied one. */
export const migrations: Migration[] = [
  m001,
  m002,
  m003,
  m004,
  m005,
  m006,
  m007,
  m008,
  m009,
  m010,
  m011,
  m012,
  m013,
  m014,
  m015,
  m016,
  m017,
  m018,
  m019,
];
