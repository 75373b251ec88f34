// The s3rver package ships no types: only the part local-s3-server.ts uses.
declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface S3rverOptions {
    directory: string;
    silent?: boolean;
    /** vhost-style bucket names in the Host header; we use path-style only. */
    vhostBuckets?: boolean;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Koa's request listener, to mount on our own HTTP server. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: 'error', listener: (err: Error) => void): this;
  }
}
