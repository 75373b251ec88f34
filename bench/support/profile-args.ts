/**
 * Node options that make a child process of the benchmark write a V8 CPU profile when it exits:
 * set `BENCH_CPU_PROF=<dir>` to profile the platform's processes (none by default).
 */
export function profileArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
