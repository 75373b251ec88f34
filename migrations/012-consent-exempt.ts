import type { Knex } from 'knex';

/**
 * Messages remember whether they are exempt from the recipient's consent (the automatic
 * answers to STOP, START and HELP), so consent can be checked again whenever a message is
 * taken up to be sent, not only when it is saved: a STOP that arrives while a message waits
 * for its scheduled time or for a retry holds.
 */
export const name = '012-consent-exempt';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table messages add column consent_exempt boolean not null default false');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table messages drop column consent_exempt');
}
