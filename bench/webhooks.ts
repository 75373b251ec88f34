import {
  measureDeliveries,
  PER_ENDPOINT_CONCURRENCY,
  type DeliveryFigures,
} from './webhooks-deliveries.js';
import { measureIngress, type IngressFigures } from './webhooks-ingress.js';
import type { ReportRow, SuiteReport } from './support/report.js';
import type { BenchSettings } from './support/settings.js';

/** `webhooks`: signed outbound deliveries and verified provider ingress, each against a bare ceiling. */

const DELIVERY_TARGET = 0.7;
const INGRESS_TARGET = 0.5;

function deliveryRows(out: DeliveryFigures): ReportRow[] {
  const ceilingLabel = `bare undici, ${PER_ENDPOINT_CONCURRENCY} concurrent`;
  return [
    {
      metric: `deliveries to one receiver (${(out.count / out.oursPasses.length).toLocaleString('en-US')} per pass, signed; median of ${out.oursPasses.length})`,
      ours: out.oursPerSec,
      ceiling: out.ceilingPerSec,
      ceilingLabel,
      unit: '/s',
      kind: 'rate',
    },
    {
      metric: 'delivery attempt p50 latency',
      ours: out.oursP50,
      ceiling: out.ceilingP50,
      unit: 'ms',
      kind: 'latency',
    },
    {
      metric: 'delivery attempt p99 latency',
      ours: out.oursP99,
      ceiling: out.ceilingP99,
      unit: 'ms',
      kind: 'latency',
    },
    { metric: 'SQL statements per delivery', ours: out.statements, unit: '', kind: 'count' },
    {
      metric: 'scheduleWebhook in one transaction',
      ours: out.scheduledPerSec,
      unit: '/s',
      kind: 'rate',
    },
    {
      metric: 'attempts beyond one per delivery',
      ours: out.extraAttempts,
      unit: '',
      kind: 'count',
    },
  ];
}

function ingressRows(ingress: IngressFigures): ReportRow[] {
  return [
    {
      metric: 'ingress DLR events accepted (signed, unique ids)',
      ours: ingress.oursPerSec,
      ceiling: ingress.ceilingPerSec,
      ceilingLabel: 'INSERT … ON CONFLICT loop',
      unit: '/s',
      kind: 'rate',
    },
    {
      metric: 'SQL statements per ingress event',
      ours: ingress.statements,
      ceiling: 1,
      unit: '',
      kind: 'count',
    },
    { metric: 'ingress p50 latency', ours: ingress.oursP50, unit: 'ms', kind: 'latency' },
    { metric: 'ingress p99 latency', ours: ingress.oursP99, unit: 'ms', kind: 'latency' },
  ];
}

function notesOf(settings: BenchSettings, out: DeliveryFigures, ingress: IngressFigures): string[] {
  const n = (value: number) => value.toLocaleString('en-US');
  return [
    `Deliveries: ${n(out.succeeded)}/${n(out.count)} succeeded; each pass schedules N in one transaction while the dispatcher runs and is timed from its commit to the last succeeded row (worker role in the benchmark process with the receiver; dispatcher capacity 500, 10 in flight per endpoint). The ceiling POSTs the same body without signing or bookkeeping. After two warm-up passes of each, ${out.oursPasses.length} ceiling passes and ${out.oursPasses.length} of ours alternate, and each side's figure is its median pass: ours ${out.oursPasses.map((r) => n(Math.round(r))).join(', ')} /s; ceiling ${out.ceilingPasses.map((r) => n(Math.round(r))).join(', ')} /s.`,
    'The receiver is a bare node:http server answering 200 with keep-alive, shared by both measurements.',
    `Ingress: autocannon in a child process, ${settings.connections} connections, ${settings.seconds} s after a 1 s warm-up, API role only; ${n(ingress.accepted)} accepted, ${n(ingress.stored)} rows stored (warm-up included), ${ingress.failures} non-2xx/errors. The ceiling runs ${settings.connections} lanes over a 10-connection pg pool (Trunkline's knex pool size) into a copy of ingress_events, for the same time after a 1 s warm-up.`,
  ];
}

export async function run(settings: BenchSettings): Promise<SuiteReport> {
  const out = await measureDeliveries(settings);
  const ingress = await measureIngress(settings);
  const deliveryRatio = out.oursPerSec / out.ceilingPerSec;
  const ingressRatio = ingress.oursPerSec / ingress.ceilingPerSec;
  return {
    suite: 'webhooks',
    title: 'signed deliveries and provider ingress',
    rows: [...deliveryRows(out), ...ingressRows(ingress)],
    notes: notesOf(settings, out, ingress),
    targets: [
      {
        target: `deliveries/s ≥ ${DELIVERY_TARGET} × bare undici`,
        met: deliveryRatio >= DELIVERY_TARGET,
        figure: `${deliveryRatio.toFixed(2)} (${Math.round(out.oursPerSec)} vs ${Math.round(out.ceilingPerSec)} /s)`,
      },
      {
        target: `ingress events/s ≥ ${INGRESS_TARGET} × plain INSERT`,
        met: ingressRatio >= INGRESS_TARGET,
        figure: `${ingressRatio.toFixed(2)} (${Math.round(ingress.oursPerSec)} vs ${Math.round(ingress.ceilingPerSec)} /s)`,
      },
    ],
  };
}
