import type { FlowDefinition } from '../flows/index.js';
import type { Db, SqlFragment, Trx } from '../platform/index.js';

export interface FlowRow {
  id: string;
  project_id: string;
  name: string;
  active_version: number;
  latest_version: number;
  created_at: Date;
  updated_at: Date;
}

export interface FlowVersionRow {
  flow_id: string;
  version: number;
  project_id: string;
  definition: FlowDefinition;
  created_at: Date;
}

/** The only place knex touches `call_flows` and `call_flow_versions`. Every read is per project. */
export function createFlowsStore(db: Db) {
  return {
    async insert(trx: Trx, flow: FlowRow, version: FlowVersionRow): Promise<void> {
      await trx('call_flows').insert(flow);
      await trx('call_flow_versions').insert({
        ...version,
        definition: JSON.stringify(version.definition),
      });
    },
    find: (projectId: string, id: string, trx: Db | Trx = db) =>
      trx<FlowRow>('call_flows').where({ project_id: projectId, id }).first(),
    lock: (trx: Trx, projectId: string, id: string) =>
      trx<FlowRow>('call_flows').where({ project_id: projectId, id }).forUpdate().first(),
    listQuery: (projectId: string) => db<FlowRow>('call_flows').where({ project_id: projectId }),
    async insertVersion(trx: Trx, version: FlowVersionRow): Promise<void> {
      await trx('call_flow_versions').insert({
        ...version,
        definition: JSON.stringify(version.definition),
      });
      await trx('call_flows')
        .where({ id: version.flow_id })
        .update({ latest_version: version.version, updated_at: version.created_at });
    },
    findVersion: (projectId: string, flowId: string, version: number) =>
      db<FlowVersionRow>('call_flow_versions')
        .where({ project_id: projectId, flow_id: flowId, version })
        .first(),
    /** Versions newest first: at most `limit` below version `before` (when given). */
    listVersions: (
      projectId: string,
      flowId: string,
      page: { before: number | null; limit: number },
    ) => {
      const query = db<FlowVersionRow>('call_flow_versions')
        .where({ project_id: projectId, flow_id: flowId })
        .orderBy('version', 'desc')
        .limit(page.limit);
      if (page.before !== null) query.where('version', '<', page.before);
      return query;
    },
    async activate(trx: Trx, id: string, version: number, now: Date): Promise<FlowRow> {
      const [row] = await trx<FlowRow>('call_flows')
        .where({ id })
        .update({ active_version: version, updated_at: now })
        .returning('*');
      return row as FlowRow;
    },
    /** True while `version` is the active version of the project's flow (no SQL: a condition). */
    isActiveVersion: (projectId: string, id: string, version: number): SqlFragment => ({
      sql: 'exists (select 1 from call_flows where project_id = ? and id = ? and active_version = ?)',
      bindings: [projectId, id, version],
    }),
    /**
     * The flow and its active version's definition, or undefined when the project has no such
     * flow (one statement: every call placed reads it).
     */
    async findActive(
      projectId: string,
      id: string,
    ): Promise<{ flow: FlowRow; version: FlowVersionRow } | undefined> {
      type Joined = FlowRow & { definition: FlowDefinition; version_created_at: Date };
      const { rows } = await db.raw<{ rows: Joined[] }>(
        `select f.*, v.definition, v.created_at as version_created_at
           from call_flows f
           join call_flow_versions v on v.flow_id = f.id and v.version = f.active_version
          where f.project_id = ? and f.id = ?`,
        [projectId, id],
      );
      const row = rows[0];
      if (!row) return undefined;
      const { definition, version_created_at: createdAt, ...flow } = row;
      const version: FlowVersionRow = {
        flow_id: flow.id,
        version: flow.active_version,
        project_id: flow.project_id,
        definition,
        created_at: createdAt,
      };
      return { flow, version };
    },
  };
}

export type FlowsStore = ReturnType<typeof createFlowsStore>;
