export type { BlobStore } from './blob-store.js';
export { createMediaStorage } from './media-storage.js';
export type { MediaConfig, MediaStorage, MediaStorageDeps } from './media-storage.js';
export { createS3BlobStore } from './s3-blob-store.js';
export type { S3BlobStoreDeps } from './s3-blob-store.js';
export { startLocalS3Server, LOCAL_S3_CREDENTIALS } from './local-s3-server.js';
export type { LocalS3Server, LocalS3ServerOptions } from './local-s3-server.js';
export { translateS3Error } from './s3-errors.js';
export { formatAttachmentDisposition } from './content-disposition.js';
