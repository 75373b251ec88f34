import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU readings of the processes a suite runs beside its own, from Linux's /proc: PostgreSQL's
 * server processes (found by name), and this process's children that have exited (the load
 * generators). A rate says how fast the machine was that minute; CPU per unit of work says how
 * much each process spent, which is what a change to the code moves. Null where there is no
 * /proc (the suites then leave the figure out).
 */

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces). */
function statFields(pid: string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime (fields 14 and 15 of stat; 11 and 12 after the name) in ms. */
function ownCpuMs(fields: string[]): number {
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
}

/**
 * CPU (ms) PostgreSQL's server processes on this machine have used so far (live ones): every
 * one of them, or with `database` only those whose title names it (`postgres: <cluster>:
 * <user> <database> <client> <state>`: the backends of the run's connections and autovacuum
 * on its tables; not the WAL writer or checkpointer, which serve every database). A process
 * that exited in between is not counted (pool connections live through a phase). Null when
 * none is visible (no /proc, or PostgreSQL on another machine).
 */
export function postgresCpuMs(database?: string): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  let total = 0;
  let found = false;
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (database !== undefined && !title.split(' ').includes(database)) continue;
    } catch {
      continue; // The process ended while it was being read.
    }
    const fields = statFields(pid);
    if (!fields) continue;
    total += ownCpuMs(fields);
    found = true;
  }
  return found ? total : null;
}

/** CPU (ms) of this process's children that have exited and been waited for (cutime + cstime). */
export function exitedChildrenCpuMs(): number | null {
  const fields = statFields('self');
  if (!fields) return null;
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks();
}

/** CPU per process group over a window, as the suites report it. */
export interface CpuSplit {
  /** This process (in `sms`: the SMSC simulator, the webhook receiver and the polling). */
  benchMs: number;
  /** The API role's child process. */
  apiMs: number;
  /** The worker role's child process. */
  workerMs: number;
  /** PostgreSQL's server processes; null without /proc. */
  postgresMs: number | null;
  /** Load generators that ran and exited in the window; null without /proc. */
  loadMs: number | null;
}

/** CPU (ms) the role processes have used so far, as their `usage` reports it. */
export interface RoleCpu {
  apiMs: number;
  workerMs: number;
}

/** Starts a window; `end` takes the role processes' CPU at the end and returns each share. */
export function startCpuWindow(rolesAtStart: RoleCpu) {
  const bench = process.cpuUsage();
  const postgres = postgresCpuMs();
  const load = exitedChildrenCpuMs();
  return {
    end(rolesAtEnd: RoleCpu): CpuSplit {
      const used = process.cpuUsage(bench);
      const postgresNow = postgresCpuMs();
      const loadNow = exitedChildrenCpuMs();
      return {
        benchMs: (used.user + used.system) / 1000,
        apiMs: rolesAtEnd.apiMs - rolesAtStart.apiMs,
        workerMs: rolesAtEnd.workerMs - rolesAtStart.workerMs,
        postgresMs: postgres === null || postgresNow === null ? null : postgresNow - postgres,
        loadMs: load === null || loadNow === null ? null : loadNow - load,
      };
    },
  };
}
