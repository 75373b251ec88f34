import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { expect } from 'chai';
import { verifySigV4, type SignedRequest } from '../../src/media/sigv4-verify.js';

const KEY_ID = 'LOCALKEY';
const SECRET = 'local-secret';
const secretFor = (id: string) => (id === KEY_ID ? SECRET : undefined);

const client = new S3Client({
  endpoint: 'http://127.0.0.1:9000',
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});

/** A presigned upload URL turned into the request a server would see. */
async function presignedUpload(key = 'prj_1/a file (1).png'): Promise<SignedRequest> {
  const url = new URL(
    await getSignedUrl(
      client,
      new PutObjectCommand({
        Bucket: 'media',
        Key: key,
        ContentType: 'image/png',
        ContentLength: 4,
      }),
      { expiresIn: 60, signableHeaders: new Set(['content-type', 'content-length']) },
    ),
  );
  return {
    method: 'PUT',
    url: `${url.pathname}${url.search}`,
    headers: { host: url.host, 'content-type': 'image/png', 'content-length': '4' },
  };
}

describe('verifySigV4', () => {
  after(() => client.destroy());

  it('accepts a presigned upload sent with the signed headers', async () => {
    expect(verifySigV4(await presignedUpload(), secretFor, new Date())).to.equal(null);
  });

  it('refuses a presigned upload whose content type differs', async () => {
    const request = await presignedUpload();
    request.headers['content-type'] = 'text/html';
    expect(verifySigV4(request, secretFor, new Date())).to.include({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a presigned upload whose length differs', async () => {
    const request = await presignedUpload();
    request.headers['content-length'] = '5';
    expect(verifySigV4(request, secretFor, new Date())).to.include({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a presigned upload sent to another key', async () => {
    const request = await presignedUpload();
    request.url = request.url.replace('/media/', '/media/other-');
    expect(verifySigV4(request, secretFor, new Date())).to.include({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a signature made with another secret', async () => {
    const request = await presignedUpload();
    const wrongSecret = () => 'not-the-secret';
    expect(verifySigV4(request, wrongSecret, new Date())).to.include({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses an unknown access key id', async () => {
    expect(verifySigV4(await presignedUpload(), () => undefined, new Date())).to.include({
      code: 'InvalidAccessKeyId',
    });
  });

  it('refuses a presigned URL past its expiry', async () => {
    const later = new Date(Date.now() + 61_000);
    expect(verifySigV4(await presignedUpload(), secretFor, later)).to.include({
      code: 'AccessDenied',
    });
  });

  it('refuses a request with no signature at all', () => {
    const request = { method: 'GET', url: '/media/x', headers: { host: '127.0.0.1:9000' } };
    expect(verifySigV4(request, secretFor, new Date())).to.include({ code: 'AccessDenied' });
  });

  it('refuses a header signature whose date is too far from now', () => {
    const request = {
      method: 'GET',
      url: '/media/x',
      headers: {
        host: '127.0.0.1:9000',
        'x-amz-date': '20200101T000000Z',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        authorization:
          'AWS4-HMAC-SHA256 Credential=LOCALKEY/20200101/us-east-1/s3/aws4_request, ' +
          'SignedHeaders=host;x-amz-date, Signature=00',
      },
    };
    expect(verifySigV4(request, secretFor, new Date())).to.include({
      code: 'RequestTimeTooSkewed',
    });
  });
});
