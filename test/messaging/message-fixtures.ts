import { eventually, type clientFor } from '../support/http.js';

/** Waits until the message reaches `status`; resolves with it as `GET /v1/messages/{id}` shows it. */
export function messageInStatus(
  api: ReturnType<typeof clientFor>,
  messageId: string,
  status: string,
  timeoutMs = 10_000,
) {
  return eventually(async () => {
    const res = await api<{ status: string; error_code: string | null }>(
      'GET',
      `/v1/messages/${messageId}`,
    );
    return res.body.status === status ? res.body : undefined;
  }, timeoutMs);
}
