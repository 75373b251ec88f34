import { join } from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { UpstreamError, systemClock, type Clock, type Logger } from '../platform/index.js';
import type { BlobStore } from './blob-store.js';
import { startLocalS3Server, type LocalS3Server } from './local-s3-server.js';
import { createS3BlobStore } from './s3-blob-store.js';
import { bucketExists, ensureBucket } from './s3-bucket.js';

/**
 * Object-storage settings, read from the environment by `loadConfig`:
 * - `endpoint` ← `S3_ENDPOINT` (default unset). Set it for AWS (`https://s3.<region>.amazonaws.com`)
 *   or MinIO (`http://minio:9000`); path-style addressing is always used. Unset, `start()`
 *   runs a local S3-compatible server on 127.0.0.1 (a random port) instead.
 * - `bucket` ← `S3_BUCKET` (default `trunkline`): created at start when missing.
 * - `region` ← `S3_REGION` (default `us-east-1`): the signing region (MinIO accepts any).
 * - `accessKeyId` / `secretAccessKey` ← `S3_ACCESS_KEY_ID` / `S3_SECRET_ACCESS_KEY`: used
 *   when both are set; otherwise the AWS SDK's default chain (`AWS_*` variables, profile,
 *   instance or task role). Ignored by the local server, which has fixed keys.
 * - `dataDir` ← `DATA_DIR` (default `./var`): the local server keeps objects under
 *   `<DATA_DIR>/s3`, so they survive restarts.
 */
export interface MediaConfig {
  endpoint: string | null;
  bucket: string;
  region: string;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  /** Where the local S3-compatible server keeps files when no endpoint is configured. */
  dataDir: string;
}

/** The storage feature's lifecycle around its `BlobStore`. */
export interface MediaStorage {
  /** Usable once `start()` resolved; before that (and after `stop()`) every call fails with
   * `storage_unavailable`. */
  blobs: BlobStore;
  /** Connects (starting the local server when there is no endpoint) and ensures the bucket
   * exists. Calling it again while started does nothing. */
  start(): Promise<void>;
  /** Closes the client and the local server. */
  stop(): Promise<void>;
  /** `{ storage }`: whether a HeadBucket on the bucket answers within two seconds. */
  readiness(): Promise<Record<string, boolean>>;
}

export interface MediaStorageDeps {
  logger: Logger;
  /** Checks the local server's signature expiry; the system clock unless a test moves it. */
  clock?: Clock;
}

const READINESS_TIMEOUT_MS = 2_000;

/** Builds the media storage; it touches nothing until `start()`. */
export function createMediaStorage(config: MediaConfig, deps: MediaStorageDeps): MediaStorage {
  const { logger, clock = systemClock } = deps;
  let client: S3Client | null = null;
  let local: LocalS3Server | null = null;

  const currentClient = (): S3Client => {
    if (!client) throw new UpstreamError('Object storage is not started.', 'storage_unavailable');
    return client;
  };

  async function stop(): Promise<void> {
    client?.destroy();
    client = null;
    const server = local;
    local = null;
    await server?.close();
  }

  async function start(): Promise<void> {
    if (client) return;
    try {
      if (config.endpoint === null) {
        local = await startLocalS3Server({ directory: join(config.dataDir, 's3'), logger, clock });
      }
      client = new S3Client(clientConfig(config, local));
      const outcome = await ensureBucket(client, config.bucket, config.region);
      logger.info(
        { endpoint: local?.endpoint ?? config.endpoint, bucket: config.bucket, outcome },
        'object storage ready',
      );
    } catch (err) {
      await stop();
      throw err;
    }
  }

  async function readiness(): Promise<Record<string, boolean>> {
    if (!client) return { storage: false };
    try {
      const signal = AbortSignal.timeout(READINESS_TIMEOUT_MS);
      return { storage: await bucketExists(client, config.bucket, signal) };
    } catch {
      return { storage: false };
    }
  }

  return {
    blobs: createS3BlobStore({ client: currentClient, bucket: config.bucket }),
    start,
    stop,
    readiness,
  };
}

/**
 * The SDK settings. Checksums only "when required": since SDK 3.729 the default adds a
 * CRC32 of the (empty, at signing time) body to presigned PUT URLs, which then fail on S3
 * and MinIO for any real upload; it also keeps older S3-compatible servers happy.
 */
function clientConfig(config: MediaConfig, local: LocalS3Server | null): S3ClientConfig {
  const staticKeys =
    config.accessKeyId !== null && config.secretAccessKey !== null
      ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
      : undefined;
  return {
    endpoint: local?.endpoint ?? config.endpoint ?? undefined,
    region: config.region,
    forcePathStyle: true,
    credentials: local?.credentials ?? staticKeys,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  };
}
