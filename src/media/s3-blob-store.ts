import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError } from '../platform/index.js';
import { formatAttachmentDisposition } from './content-disposition.js';
import type { BlobStore } from './blob-store.js';
import { translateS3Error } from './s3-errors.js';

/**
 * Headers a presigned upload must send exactly as declared. The presigner leaves
 * Content-Type unsigned by default (so any type would be accepted); naming it here signs
 * it, and Content-Length with it, so S3 refuses an upload whose type or size differs.
 */
const UPLOAD_SIGNED_HEADERS = new Set(['content-type', 'content-length']);

export interface S3BlobStoreDeps {
  /** The current client; throws while storage is not started (see `createMediaStorage`). */
  client: () => S3Client;
  bucket: string;
}

/**
 * `BlobStore` on S3 (AWS, MinIO or the local server). Every SDK failure goes through
 * `translateS3Error`, so callers see only `NotFoundError` or `storage_unavailable`.
 */
export function createS3BlobStore({ client, bucket }: S3BlobStoreDeps): BlobStore {
  return {
    put: (key, body, contentType) =>
      attempt(async () => {
        await client().send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
        );
      }),

    get: (key) =>
      attempt(async () => {
        const out = await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!out.Body) throw new NotFoundError('Object');
        return Buffer.from(await out.Body.transformToByteArray());
      }),

    head: async (key) => {
      try {
        return await attempt(async () => {
          const out = await client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
          return {
            size: out.ContentLength ?? 0,
            contentType: out.ContentType ?? 'application/octet-stream',
          };
        });
      } catch (err) {
        if (err instanceof NotFoundError) return null;
        throw err;
      }
    },

    presignGet: (key, { expiresInSec, filename }) =>
      attempt(() =>
        getSignedUrl(
          client(),
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ResponseContentDisposition:
              filename === undefined ? undefined : formatAttachmentDisposition(filename),
          }),
          { expiresIn: expiresInSec },
        ),
      ),

    presignPut: (key, { contentType, size, expiresInSec }) =>
      attempt(() =>
        getSignedUrl(
          client(),
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            ContentType: contentType,
            ContentLength: size,
          }),
          { expiresIn: expiresInSec, signableHeaders: UPLOAD_SIGNED_HEADERS },
        ),
      ),

    delete: (key) =>
      attempt(async () => {
        await client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }),
  };
}

async function attempt<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw translateS3Error(err);
  }
}
