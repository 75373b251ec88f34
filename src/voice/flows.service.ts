import { simulateFlow, type FlowDefinition, type SimulationResult } from '../flows/index.js';
import {
  NotFoundError,
  UnprocessableError,
  type Clock,
  type Db,
  type IdGenerator,
  type SqlFragment,
} from '../platform/index.js';
import { acceptFlowDefinition, MAX_FLOW_BYTES, redirectTargets } from './flow-definition.js';
import type { FlowRow, FlowsStore, FlowVersionRow } from './flows.store.js';

/** How many flows a simulation loads to follow `redirect` steps. */
const MAX_SIMULATED_FLOWS = 20;
/** How many flows' active versions a process remembers (see `lastActive`). */
const REMEMBERED_FLOWS = 256;

/** The flow a call runs: which flow and version (null for an inline flow) and its definition. */
export interface ResolvedFlow {
  flowId: string | null;
  version: number | null;
  definition: FlowDefinition;
}

/** A flow's active version as this process last read it, and the condition that it still is. */
export interface RememberedFlow {
  flow: ResolvedFlow;
  stillActive: SqlFragment;
}

/**
 * Flow use cases: create (version 1 active), add versions (inactive until activated),
 * activate, resolve a flow's active version for a call, and simulate. Versions are immutable,
 * so a running call that copied one keeps exactly what it started with.
 */
export function createFlowsService(deps: {
  db: Db;
  store: FlowsStore;
  ids: IdGenerator;
  clock: Clock;
}) {
  const { db, store } = deps;
  /** Active versions last read, by `project id + flow id`, oldest first (Map order). */
  const remembered = new Map<string, ResolvedFlow>();
  const keyOf = (projectId: string, flowId: string) => `${projectId}\u0000${flowId}`;

  function remember(projectId: string, resolved: ResolvedFlow): void {
    const key = keyOf(projectId, resolved.flowId!);
    remembered.delete(key);
    remembered.set(key, resolved);
    if (remembered.size > REMEMBERED_FLOWS) remembered.delete(remembered.keys().next().value!);
  }

  async function requireFlow(projectId: string, id: string): Promise<FlowRow> {
    const flow = await store.find(projectId, id);
    if (!flow) throw new NotFoundError('Flow');
    return flow;
  }

  async function create(
    projectId: string,
    name: string,
    definition: unknown,
  ): Promise<{ flow: FlowRow; version: FlowVersionRow }> {
    const accepted = acceptFlowDefinition(definition, {
      prefix: '/definition',
      maxBytes: MAX_FLOW_BYTES,
    });
    const now = deps.clock.now();
    const flow: FlowRow = {
      id: deps.ids('flow'),
      project_id: projectId,
      name,
      active_version: 1,
      latest_version: 1,
      created_at: now,
      updated_at: now,
    };
    const version: FlowVersionRow = {
      flow_id: flow.id,
      version: 1,
      project_id: projectId,
      definition: accepted,
      created_at: now,
    };
    await db.transaction((trx) => store.insert(trx, flow, version));
    return { flow, version };
  }

  async function addVersion(
    projectId: string,
    flowId: string,
    definition: unknown,
  ): Promise<{ flow: FlowRow; version: FlowVersionRow }> {
    await requireFlow(projectId, flowId);
    const accepted = acceptFlowDefinition(definition, {
      prefix: '/definition',
      maxBytes: MAX_FLOW_BYTES,
    });
    return db.transaction(async (trx) => {
      const flow = (await store.lock(trx, projectId, flowId))!;
      const version: FlowVersionRow = {
        flow_id: flowId,
        version: flow.latest_version + 1,
        project_id: projectId,
        definition: accepted,
        created_at: deps.clock.now(),
      };
      await store.insertVersion(trx, version);
      return { flow: { ...flow, latest_version: version.version }, version };
    });
  }

  /** Makes `version` the one new calls run; the flow as `GET` shows it (with that definition). */
  async function activate(projectId: string, flowId: string, version: number) {
    await requireFlow(projectId, flowId);
    const row = await store.findVersion(projectId, flowId, version);
    if (!row) throw new NotFoundError('Flow version');
    const flow = await db.transaction(async (trx) => {
      await store.lock(trx, projectId, flowId);
      return store.activate(trx, flowId, version, deps.clock.now());
    });
    forget(projectId, flowId);
    return { flow, version: row };
  }

  /** The active version of a project's flow, or 422 `unknown_flow` at `path`. */
  async function resolveActive(projectId: string, flowId: string, path = '/flow_id') {
    const found = await store.findActive(projectId, flowId);
    if (!found) {
      throw new UnprocessableError(`The project has no flow ${flowId}.`, 'unknown_flow', [
        { path, message: 'is not a flow of this project' },
      ]);
    }
    const resolved: ResolvedFlow = {
      flowId,
      version: found.version.version,
      definition: found.version.definition,
    };
    remember(projectId, resolved);
    return resolved;
  }

  /**
   * The active version this process last read for the flow (no SQL), with the condition under
   * which it is still the active one; undefined when none is remembered. Versions are
   * immutable, so a statement that adds the condition acts on exactly the active version or
   * does nothing (then `forget` it and `resolveActive`): another process's activation is
   * never missed.
   */
  function lastActive(projectId: string, flowId: string): RememberedFlow | undefined {
    const flow = remembered.get(keyOf(projectId, flowId));
    if (!flow) return undefined;
    return { flow, stillActive: store.isActiveVersion(projectId, flowId, flow.version!) };
  }

  function forget(projectId: string, flowId: string): void {
    remembered.delete(keyOf(projectId, flowId));
  }

  /** The active definitions of every flow reachable through `redirect` steps, by id. */
  async function loadRedirectTargets(projectId: string, start: FlowDefinition) {
    const flows: Record<string, FlowDefinition> = {};
    const pending = redirectTargets(start);
    while (pending.length > 0 && Object.keys(flows).length < MAX_SIMULATED_FLOWS) {
      const id = pending.shift()!;
      if (Object.hasOwn(flows, id)) continue;
      const found = await store.findActive(projectId, id);
      if (!found) continue;
      flows[id] = found.version.definition;
      pending.push(...redirectTargets(found.version.definition));
    }
    return flows;
  }

  async function simulate(
    projectId: string,
    flowId: string,
    input: { inputs: string[]; variables?: Record<string, string>; version?: number },
  ): Promise<SimulationResult> {
    const flow = await requireFlow(projectId, flowId);
    const number = input.version ?? flow.active_version;
    const version = await store.findVersion(projectId, flowId, number);
    if (!version) throw new NotFoundError('Flow version');
    const flows = await loadRedirectTargets(projectId, version.definition);
    return simulateFlow(version.definition, {
      inputs: input.inputs,
      variables: input.variables,
      flows,
    });
  }

  return {
    requireFlow,
    create,
    addVersion,
    activate,
    resolveActive,
    lastActive,
    forget,
    simulate,
  };
}

export type FlowsService = ReturnType<typeof createFlowsService>;
