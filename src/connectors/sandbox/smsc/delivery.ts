import smpp from 'smpp';
import type { Logger } from '../../../platform/index.js';
import { sendRequest, type SmscClient } from './clients.js';
import type { TimerSet } from './timers.js';

/** A `deliver_sm` (DLR or MO) to hand to an ESME until it says OK. */
export interface DeliveryJob {
  params: Record<string, unknown>;
  /** Chosen again at every attempt, so a rebound ESME gets the redelivery. */
  pickTarget(): SmscClient | undefined;
  kind: 'dlr' | 'mo';
}

export interface DelivererOptions {
  logger: Logger;
  timers: TimerSet;
  redeliveryDelayMs: number;
  maxAttempts: number;
  responseTimeoutMs: number;
}

/**
 * Delivers like a store-and-forward SMSC: a `deliver_sm` answered with a non-zero status
 * (e.g. ESME_RX_T_APPN), not answered in time, or with no receiver bound is tried again after
 * `redeliveryDelayMs`, up to `maxAttempts` attempts; then the promise rejects.
 */
export function createDeliverer(options: DelivererOptions) {
  const { logger, timers } = options;

  async function attempt(job: DeliveryJob): Promise<boolean> {
    const client = job.pickTarget();
    if (!client) return false;
    try {
      const pdu = new smpp.PDU('deliver_sm', { ...job.params });
      const response = await sendRequest(client, pdu, options.responseTimeoutMs);
      if (response.command_status === 0) return true;
      logger.debug({ kind: job.kind, status: response.command_status }, 'deliver_sm refused');
    } catch (err) {
      logger.debug({ kind: job.kind, err: (err as Error).message }, 'deliver_sm not answered');
    }
    return false;
  }

  return {
    async deliver(job: DeliveryJob): Promise<void> {
      for (let count = 1; count <= options.maxAttempts; count += 1) {
        if (await attempt(job)) return;
        if (count < options.maxAttempts) await timers.sleep(options.redeliveryDelayMs);
      }
      throw new Error(
        `deliver_sm (${job.kind}) not acknowledged after ${options.maxAttempts} attempts`,
      );
    },
  };
}
