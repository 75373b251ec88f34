import type { MediaControl, MediaEvent } from '../../../src/connectors/ari/media-control.js';

type EventOf<T extends MediaEvent['type']> = Extract<MediaEvent, { type: T }>;

interface Waiter {
  test(event: MediaEvent): boolean;
  resolve(event: MediaEvent): void;
}

/** Records a MediaControl's events and lets a test wait for one that matches. */
export function recordEvents(media: MediaControl) {
  const events: MediaEvent[] = [];
  const waiters = new Set<Waiter>();
  const unsubscribe = media.onEvent((event) => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.test(event)) {
        waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  });

  /** Resolves with the first recorded (or future) event of `type` that matches. */
  function waitFor<T extends MediaEvent['type']>(
    type: T,
    match: (event: EventOf<T>) => boolean = () => true,
    timeoutMs = 2000,
  ): Promise<EventOf<T>> {
    const test = (event: MediaEvent) => event.type === type && match(event as EventOf<T>);
    const seen = events.find(test);
    if (seen) return Promise.resolve(seen as EventOf<T>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`timed out waiting for ${type}; saw ${JSON.stringify(events)}`));
      }, timeoutMs);
      const waiter: Waiter = {
        test,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as EventOf<T>);
        },
      };
      waiters.add(waiter);
    });
  }

  /** Events about one channel, in order. */
  function forChannel(channelId: string): MediaEvent[] {
    return events.filter((event) => 'channelId' in event && event.channelId === channelId);
  }

  return {
    events,
    waitFor,
    forChannel,
    clear: () => {
      events.length = 0;
    },
    stop: unsubscribe,
  };
}

export type EventRecorder = ReturnType<typeof recordEvents>;
