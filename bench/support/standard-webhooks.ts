import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signing, as a provider would do it: `v1,` + base64 HMAC-SHA256 of
 * `{id}.{timestamp}.{body}` under the base64 key after `whsec_`. Written with node:crypto so
 * the load generator signs thousands of requests a second without the package's checks.
 */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const digest = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${digest}`;
}

/** The headers and body of one signed provider DLR with a unique event id. */
export function signedDlr(
  secret: string,
  eventId: string,
  now = new Date(),
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    provider_event_id: eventId,
    provider_message_id: `bench-${eventId}`,
    status: 'delivered',
  });
  const id = `msg_${eventId}`;
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandardWebhook(secret, id, timestamp, body),
    },
  };
}
