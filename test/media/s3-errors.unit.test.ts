import { S3ServiceException } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { translateS3Error } from '../../src/media/index.js';
import { ConflictError, NotFoundError, UpstreamError } from '../../src/platform/index.js';

function s3Failure(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode } });
}

describe('translateS3Error', () => {
  it('maps NoSuchKey to NotFoundError', () => {
    expect(translateS3Error(s3Failure('NoSuchKey', 404))).to.be.instanceOf(NotFoundError);
  });

  it('maps a bodiless 404 (HEAD) to NotFoundError', () => {
    expect(translateS3Error(s3Failure('NotFound', 404))).to.be.instanceOf(NotFoundError);
  });

  it('maps NoSuchBucket to a retryable storage_unavailable', () => {
    const err = translateS3Error(s3Failure('NoSuchBucket', 404));
    expect(err).to.be.instanceOf(UpstreamError);
    expect(err).to.include({ code: 'storage_unavailable', status: 502, retryable: true });
  });

  it('maps access denied, server errors and network failures to storage_unavailable', () => {
    for (const failure of [
      s3Failure('AccessDenied', 403),
      s3Failure('InternalError', 500),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ]) {
      const err = translateS3Error(failure);
      expect(err).to.include({ code: 'storage_unavailable' });
      expect(err.cause).to.equal(failure);
      expect(err.detail).to.equal('Object storage is unavailable.');
    }
  });

  it('passes our own errors through unchanged', () => {
    const own = new ConflictError('x');
    expect(translateS3Error(own)).to.equal(own);
  });
});
