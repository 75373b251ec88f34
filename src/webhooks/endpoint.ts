/** Keys of recent URLs: a delivery asks for its endpoint several times, and parsing costs. */
const pathOf = new Map<string, string>();
const MAX_REMEMBERED = 10_000;

/** A URL without its query and fragment (the string itself when it is not a URL). */
function withoutQuery(url: string): string {
  let key = pathOf.get(url);
  if (key === undefined) {
    try {
      const parsed = new URL(url);
      key = `${parsed.origin}${parsed.pathname}`;
    } catch {
      key = url;
    }
    if (pathOf.size >= MAX_REMEMBERED) pathOf.clear();
    pathOf.set(url, key);
  }
  return key;
}

/**
 * What one webhook endpoint is, for the isolation between endpoints (the concurrency cap and
 * the circuit breaker, `endpoint-guard.ts`): a project's callback URL without its query.
 * Keyed by origin, one project's failing URL on a shared host (a webhook relay, an automation
 * service) parked the deliveries of every project to that host; keyed by the whole URL, a
 * callback per message (`?order=123`) made each delivery an endpoint of its own, which no
 * breaker or cap would ever hold back.
 */
export function endpointOf(delivery: { project_id: string; url: string }): string {
  return `${delivery.project_id} ${withoutQuery(delivery.url)}`;
}
