// STUB — being written by a helper: the BlobStore port and its S3 implementation.
import type { Logger } from '../platform/index.js';

/** Object storage for recordings, MMS media and chat attachments (S3 or the local sandbox). */
export interface BlobStore {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  head(key: string): Promise<{ size: number; contentType: string } | null>;
  presignGet(key: string, input: { expiresInSec: number; filename?: string }): Promise<string>;
  presignPut(
    key: string,
    input: { contentType: string; size: number; expiresInSec: number },
  ): Promise<string>;
  delete(key: string): Promise<void>;
}

export interface MediaStorage {
  blobs: BlobStore;
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness(): Promise<Record<string, boolean>>;
}

export interface MediaConfig {
  endpoint: string | null;
  bucket: string;
  region: string;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  /** Where the local S3-compatible server keeps files when no endpoint is configured. */
  dataDir: string;
}

export function createMediaStorage(_config: MediaConfig, _deps: { logger: Logger }): MediaStorage {
  const missing = async (): Promise<never> => {
    throw new Error('media storage is not written yet');
  };
  const blobs: BlobStore = {
    put: missing,
    get: missing,
    head: missing,
    presignGet: missing,
    presignPut: missing,
    delete: missing,
  };
  return {
    blobs,
    start: async () => undefined,
    stop: async () => undefined,
    readiness: async () => ({}),
  };
}
