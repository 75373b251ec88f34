/**
 * Object storage for recordings, MMS media and chat attachments: the port features use.
 * Keys are opaque paths chosen by the caller (e.g. `prj_x/recordings/call_y.wav`); the
 * store never lists, never versions and never sets ACLs — everything stays private and is
 * shared only through short-lived presigned URLs.
 *
 * Failures: a missing object is `NotFoundError` (404); any storage trouble is
 * `UpstreamError` code `storage_unavailable` (502, retryable).
 */
export interface BlobStore {
  /** Stores (or replaces) the object with this content type. */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The object's bytes; `NotFoundError` when there is none. */
  get(key: string): Promise<Buffer>;
  /** Size in bytes and content type, or null when there is no such object. */
  head(key: string): Promise<{ size: number; contentType: string } | null>;
  /**
   * A URL anyone holding it may GET for `expiresInSec` seconds (at most 7 days). With
   * `filename`, the download answers `Content-Disposition: attachment` under that name.
   */
  presignGet(key: string, input: { expiresInSec: number; filename?: string }): Promise<string>;
  /**
   * A URL a client may PUT the object to for `expiresInSec` seconds. Content type and
   * size are signed: the upload must send exactly `Content-Type: contentType` and a body of
   * `size` bytes, or storage refuses it (403). The uploader needs no credentials.
   */
  presignPut(
    key: string,
    input: { contentType: string; size: number; expiresInSec: number },
  ): Promise<string>;
  /** Removes the object; removing a missing object succeeds (S3 semantics). */
  delete(key: string): Promise<void>;
}
