import type { Db } from '../platform/index.js';

export interface UsageDay {
  date: string;
  sms_outbound_segments: number;
  sms_inbound: number;
  call_seconds_outbound: number;
  call_seconds_inbound: number;
}

/**
 * Usage per UTC day, aggregated on read from the system of record (messages and calls), so it
 * can never drift from what happened. Outbound segments count once a carrier accepted the
 * message (sent, delivered, undelivered), on the day it was sent. Call seconds are the billed
 * duration of answered calls, on the day they ended (when the voice tables exist).
 */
export function createUsageStore(db: Db) {
  async function hasCalls(): Promise<boolean> {
    const found = await db.raw("select to_regclass('public.calls') is not null as present");
    const present = (found.rows[0] as { present: boolean }).present;
    if (!present) return false;
    const columns = await db.raw(
      "select 1 from information_schema.columns where table_name = 'calls' and column_name in ('duration', 'ended_at', 'direction')",
    );
    return columns.rows.length === 3;
  }

  return {
    async daily(projectId: string, start: string, end: string): Promise<UsageDay[]> {
      const calls = (await hasCalls())
        ? `select (ended_at at time zone 'UTC')::date as day,
                  sum(case when direction = 'outbound' then duration else 0 end) as out_s,
                  sum(case when direction = 'inbound' then duration else 0 end) as in_s
             from calls where project_id = :projectId and duration is not null
              and ended_at >= :start::date and ended_at < (:end::date + 1) group by 1`
        : `select null::date as day, 0 as out_s, 0 as in_s where false`;
      const result = await db.raw(
        `with days as (select generate_series(:start::date, :end::date, '1 day')::date as day),
         sms as (
           select (coalesce(sent_at, created_at) at time zone 'UTC')::date as day,
                  sum(case when direction = 'outbound' and status in ('sent', 'delivered', 'undelivered') then segments else 0 end) as out_segments,
                  count(*) filter (where direction = 'inbound') as inbound
             from messages
            where project_id = :projectId
              and coalesce(sent_at, created_at) >= :start::date and coalesce(sent_at, created_at) < (:end::date + 1)
            group by 1),
         voice as (${calls})
         select to_char(days.day, 'YYYY-MM-DD') as date,
                coalesce(sms.out_segments, 0)::int as sms_outbound_segments,
                coalesce(sms.inbound, 0)::int as sms_inbound,
                coalesce(voice.out_s, 0)::int as call_seconds_outbound,
                coalesce(voice.in_s, 0)::int as call_seconds_inbound
           from days left join sms on sms.day = days.day left join voice on voice.day = days.day
          order by days.day`,
        { projectId, start, end },
      );
      return result.rows as UsageDay[];
    },
  };
}
