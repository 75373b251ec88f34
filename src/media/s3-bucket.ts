import {
  CreateBucketCommand,
  HeadBucketCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describeSdkError, translateS3Error } from './s3-errors.js';

const ALREADY_THERE = new Set(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);

/**
 * True when the bucket exists and these credentials may use it (a cheap HeadBucket), false
 * when it does not exist; any other failure is thrown as a `storage_unavailable` error.
 */
export async function bucketExists(
  client: S3Client,
  bucket: string,
  abortSignal?: AbortSignal,
): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal });
    return true;
  } catch (err) {
    if (describeSdkError(err).status === 404) return false;
    throw translateS3Error(err, 'Bucket');
  }
}

/**
 * Makes sure the bucket exists, creating it when missing. Another instance may create it
 * at the same moment: "already owned" / "already exists" is accepted when a second
 * HeadBucket then shows the bucket is usable (a bucket someone else owns still fails).
 * Outside us-east-1 S3 wants the region as the location constraint.
 */
export async function ensureBucket(
  client: S3Client,
  bucket: string,
  region: string,
): Promise<'existing' | 'created'> {
  if (await bucketExists(client, bucket)) return 'existing';
  const configuration =
    region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint };
  try {
    await client.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: configuration }),
    );
    return 'created';
  } catch (err) {
    if (ALREADY_THERE.has(describeSdkError(err).name) && (await bucketExists(client, bucket))) {
      return 'existing';
    }
    throw translateS3Error(err, 'Bucket');
  }
}
