import { WebSocket } from 'ws';

/**
 * The reconnecting client of the chat suite: one member socket is cut mid-run (terminated,
 * as a network failure would), reconnects `downMs` later to the other API instance and sends
 * `{ type: "resume", position }` with the position of the last frame it had. At the end,
 * every `seq` posted to its conversation must have reached it exactly once, over both
 * sockets together.
 */

export interface ResumeSpec {
  /** Index of the client in the spec's `clients`. */
  client: number;
  /** Index of its conversation in the spec's `conversations`. */
  conversation: number;
  token: string;
  /** Base URL (`http://127.0.0.1:<port>`) of the instance it reconnects to. */
  reconnectUrl: string;
  downMs: number;
}

export interface ResumeFigures {
  /** Seqs posted to the conversation (201 answers), and message frames received for it. */
  expected: number;
  received: number;
  missing: number;
  duplicates: number;
  /** Frames of the conversation with a seq nobody posted in this run. */
  unexpected: number;
  positionAtDrop: number;
  /** Message frames received on the first socket and on the resumed one. */
  beforeDrop: number;
  afterResume: number;
  /** First seq the resumed socket received, and the last one before the drop. */
  lastSeqBeforeDrop: number;
  firstSeqAfterResume: number;
  ok: boolean;
}

interface Frame {
  type: string;
  position: number | null;
  data: { conversation_id?: string; seq?: number };
}

export function createResumeWatch(spec: ResumeSpec, conversations: string[]) {
  const conversationId = conversations[spec.conversation];
  const expected: number[] = [];
  const before: number[] = [];
  const after: number[] = [];
  let lastPosition = 0;
  let positionAtDrop = -1;
  let dropped = false;
  let resumed: WebSocket | null = null;
  let timer: NodeJS.Timeout | null = null;

  function observe(data: Buffer): void {
    const frame = JSON.parse(data.toString()) as Frame;
    if (frame.type === 'ready') return;
    if (frame.position !== null) lastPosition = Math.max(lastPosition, frame.position);
    if (frame.type !== 'conversation.message.created') return;
    if (frame.data.conversation_id !== conversationId || frame.data.seq === undefined) return;
    (dropped ? after : before).push(frame.data.seq);
  }

  function reconnect(onFrame: (client: number, data: Buffer) => void): void {
    const url = `${spec.reconnectUrl.replace(/^http/, 'ws')}/v1/realtime?token=${encodeURIComponent(spec.token)}`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    resumed = ws;
    ws.on('error', () => undefined);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'resume', position: positionAtDrop })));
    ws.on('message', (data: Buffer) => onFrame(spec.client, data));
  }

  return {
    observe,
    /** A 201 answer to a POST to conversation `index`: its seq is expected. */
    posted(index: number, body: string): void {
      if (index === spec.conversation) expected.push((JSON.parse(body) as { seq: number }).seq);
    },
    /** Cuts the client's socket at `at` (performance.now() time), reconnects `downMs` later. */
    schedule(
      at: number,
      sockets: WebSocket[],
      onFrame: (client: number, data: Buffer) => void,
    ): void {
      timer = setTimeout(
        () => {
          positionAtDrop = lastPosition;
          dropped = true;
          sockets[spec.client].terminate();
          timer = setTimeout(() => reconnect(onFrame), spec.downMs);
        },
        Math.max(0, at - performance.now()),
      );
    },
    /** Waits (at most `timeoutMs`) until every expected seq arrived, then checks the stream. */
    async finish(timeoutMs: number): Promise<ResumeFigures> {
      const deadline = performance.now() + timeoutMs;
      const complete = () => {
        const got = new Set([...before, ...after]);
        return expected.every((seq) => got.has(seq));
      };
      while (!complete() && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const counts = new Map<number, number>();
      for (const seq of [...before, ...after]) counts.set(seq, (counts.get(seq) ?? 0) + 1);
      const wanted = new Set(expected);
      const missing = expected.filter((seq) => !counts.has(seq)).length;
      let duplicates = 0;
      for (const count of counts.values()) duplicates += Math.max(0, count - 1);
      const unexpected = [...counts.keys()].filter((seq) => !wanted.has(seq)).length;
      return {
        expected: expected.length,
        received: before.length + after.length,
        missing,
        duplicates,
        unexpected,
        positionAtDrop,
        beforeDrop: before.length,
        afterResume: after.length,
        lastSeqBeforeDrop: before.at(-1) ?? 0,
        firstSeqAfterResume: after[0] ?? 0,
        ok: resumed !== null && missing === 0 && duplicates === 0 && unexpected === 0,
      };
    },
    close(): void {
      if (timer) clearTimeout(timer);
      resumed?.terminate();
    },
  };
}
