import { AppError, UpstreamError } from '../../platform/index.js';

/**
 * The one place where ARI failures become our errors. Mapping is by HTTP status, read with
 * the meaning ARI documents for each operation — never by message text, which changes between
 * Asterisk versions.
 */

/** 404 `channel_gone`: the channel hung up (or never existed); the call is over on the PBX. */
export class ChannelGoneError extends AppError {
  constructor(detail = 'The call channel no longer exists.', cause?: unknown) {
    super(404, 'channel_gone', detail, { retryable: false, cause });
  }
}

/** The ARI requests the adapter makes; each may read a status its own way. */
export type AriOperation =
  | 'originate'
  | 'answer'
  | 'play'
  | 'stopPlayback'
  | 'record'
  | 'stopRecording'
  | 'snoop'
  | 'hangup'
  | 'createBridge'
  | 'addToBridge'
  | 'destroyBridge'
  | 'recordBridge'
  | 'listChannels'
  | 'fetchRecording';

type Outcome = 'ok' | 'channel_gone' | 'channel_state' | 'bridge_gone' | 'recording_not_found';

/**
 * Statuses whose meaning differs from the default for one operation (per the ARI docs):
 * idempotent deletes treat 404 as done; originate or snoop with an existing channel id (409)
 * means our earlier attempt was accepted; bridges/addChannel answers 400 for a channel that is
 * gone; bridges/record answers 404 for a gone bridge and 409 for a name in use.
 */
const OVERRIDES: Partial<Record<AriOperation, Partial<Record<number, Outcome>>>> = {
  originate: { 409: 'ok' },
  snoop: { 409: 'ok' },
  recordBridge: { 404: 'bridge_gone' },
  hangup: { 404: 'ok' },
  stopPlayback: { 404: 'ok' },
  stopRecording: { 404: 'ok' },
  destroyBridge: { 404: 'ok' },
  createBridge: { 409: 'channel_state' },
  addToBridge: { 400: 'channel_gone', 404: 'bridge_gone' },
  fetchRecording: { 404: 'recording_not_found' },
};

const DEFAULTS: Partial<Record<number, Outcome>> = {
  404: 'channel_gone',
  409: 'channel_state',
  412: 'channel_state',
  422: 'channel_state',
};

/**
 * Reads a non-2xx ARI status. Returns null when the operation should count as done, else the
 * error to throw. `message` is ARI's text, kept only as the cause for logs.
 */
export function mapAriStatus(
  operation: AriOperation,
  status: number,
  message: string,
): AppError | null {
  const cause = new Error(`ARI ${operation} answered ${status}: ${message}`);
  const outcome = OVERRIDES[operation]?.[status] ?? DEFAULTS[status];
  switch (outcome) {
    case 'ok':
      return null;
    case 'channel_gone':
      return new ChannelGoneError(undefined, cause);
    case 'channel_state':
      return new AppError(409, 'channel_state', 'The call cannot do that in its current state.', {
        retryable: false,
        cause,
      });
    case 'bridge_gone':
      return new AppError(404, 'bridge_gone', 'The bridge no longer exists.', {
        retryable: false,
        cause,
      });
    case 'recording_not_found':
      return new AppError(404, 'recording_not_found', 'The recording does not exist.', {
        retryable: false,
        cause,
      });
    default:
      return mapOtherStatus(status, cause);
  }
}

function mapOtherStatus(status: number, cause: Error): AppError {
  if (status === 401 || status === 403) {
    return new UpstreamError('The PBX refused our ARI credentials.', 'ari_unauthorized', {
      cause,
    });
  }
  if (status >= 400 && status < 500) {
    return new UpstreamError('The PBX rejected the request.', 'ari_rejected', {
      retryable: false,
      cause,
    });
  }
  return new UpstreamError('The PBX is unavailable.', 'ari_unavailable', { cause });
}

/** A request that got no HTTP answer (refused, reset, timed out): retryable `ari_unavailable`. */
export function mapAriTransportError(operation: AriOperation, err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new UpstreamError('The PBX is unavailable.', 'ari_unavailable', {
    cause: new Error(`ARI ${operation} failed: ${describeError(err)}`, { cause: err }),
  });
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}
