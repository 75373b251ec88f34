/**
 * What a suite hands back, and its rendering as a Markdown table (printed by `bench/run.ts`
 * and pasted into `bench/RESULTS.md`). Every figure sits next to the raw ceiling measured in
 * the same run, so a slower machine or a busy neighbour moves both and the ratio stays useful.
 */

/** One measured figure. */
export interface ReportRow {
  metric: string;
  /** Trunkline's figure. */
  ours: number;
  /** The bare ceiling measured in the same run (absent when there is nothing to compare to). */
  ceiling?: number;
  /** What the ceiling is, e.g. `bare Express 5`. */
  ceilingLabel?: string;
  /** Shown after both figures; empty for plain counts. */
  unit: string;
  /**
   * `rate`: higher is better, the ratio is ours / ceiling (a fraction of the ceiling).
   * `latency`: lower is better, the ratio is ours / ceiling shown as a multiple (×).
   */
  kind: 'rate' | 'latency' | 'count';
}

/** A performance target from the issues, checked against one figure. */
export interface TargetCheck {
  target: string;
  met: boolean;
  /** The figure the verdict rests on, as text (e.g. `0.71 of bare Express (8,120 req/s)`). */
  figure: string;
}

export interface SuiteReport {
  suite: string;
  title: string;
  rows: ReportRow[];
  /** Conditions of the run worth reading next to the figures (concurrency, log level...). */
  notes: string[];
  targets: TargetCheck[];
}

/** Formats a figure for a table: thousands separators, fewer decimals as it grows. */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** ours / ceiling, as `0.62` for rates and `3.1×` for latencies. */
export function formatRatio(row: ReportRow): string {
  if (row.ceiling === undefined || row.ceiling === 0 || row.kind === 'count') return '—';
  const ratio = row.ours / row.ceiling;
  return row.kind === 'latency' ? `${ratio.toFixed(1)}×` : ratio.toFixed(2);
}

/** The suite as Markdown: a heading, the table, the notes and one line per target. */
export function formatReport(report: SuiteReport): string {
  const lines = [
    `### ${report.suite}: ${report.title}`,
    '',
    '| metric | ours | ceiling (same run) | ratio |',
    '|---|---:|---:|---:|',
  ];
  const withUnit = (value: number, unit: string) =>
    unit ? `${formatFigure(value)} ${unit}` : formatFigure(value);
  for (const row of report.rows) {
    const ceiling =
      row.ceiling === undefined
        ? '—'
        : `${withUnit(row.ceiling, row.unit)}${row.ceilingLabel ? ` (${row.ceilingLabel})` : ''}`;
    lines.push(
      `| ${row.metric} | ${withUnit(row.ours, row.unit)} | ${ceiling} | ${formatRatio(row)} |`,
    );
  }
  if (report.notes.length > 0) lines.push('', ...report.notes.map((note) => `- ${note}`));
  if (report.targets.length > 0) {
    lines.push('', 'Targets:');
    for (const t of report.targets) {
      lines.push(`- ${t.met ? 'MET' : 'MISSED'}: ${t.target} — ${t.figure}`);
    }
  }
  return lines.join('\n');
}
