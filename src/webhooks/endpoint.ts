/**
 * What one webhook endpoint is, for the isolation between endpoints (the concurrency cap and
 * the circuit breaker, `endpoint-guard.ts`): a project's callback URL. Keyed by origin, one
 * project's failing URL on a shared host (a webhook relay, an automation service) parked the
 * deliveries of every project to that host, and of the project's other URLs there.
 */
export function endpointOf(delivery: { project_id: string; url: string }): string {
  return `${delivery.project_id} ${delivery.url}`;
}
