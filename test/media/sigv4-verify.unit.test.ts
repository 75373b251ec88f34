import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

/** A presigned download URL with an encoded response-content-disposition in its query. */
async function presignedDownload(): Promise<SignedRequest> {
  const url = new URL(
    await getSignedUrl(
      client,
      new GetObjectCommand({
        Bucket: 'media',
        Key: 'prj_1/reçu.pdf',
        ResponseContentDisposition: `attachment; filename*=UTF-8''re%C3%A7u%20(1).pdf`,
      }),
      { expiresIn: 60 },
    ),
  );
  return { method: 'GET', url: `${url.pathname}${url.search}`, headers: { host: url.host } };
}

/**
 * A PutObject as the SDK client signs it (`Authorization` header), caught before it leaves:
 * the transport records the request and fails, so nothing touches the network.
 */
async function headerSignedUpload(): Promise<SignedRequest> {
  let caught: SignedRequest | undefined;
  const capturing = new S3Client({
    endpoint: 'http://127.0.0.1:9000',
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    requestHandler: {
      handle: (request: HttpLikeRequest) => {
        caught = toSignedRequest(request);
        return Promise.reject(new Error('captured'));
      },
    },
  });
  const put = new PutObjectCommand({
    Bucket: 'media',
    Key: 'prj_1/a file (1).png',
    Body: 'abcd',
    ContentType: 'image/png',
  });
  await capturing.send(put).catch(() => undefined);
  capturing.destroy();
  if (!caught) throw new Error('the client sent nothing');
  return caught;
}

interface HttpLikeRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
}

function toSignedRequest(request: HttpLikeRequest): SignedRequest {
  const search = Object.entries(request.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    method: request.method,
    url: search ? `${request.path}?${search}` : request.path,
    headers,
  };
}

function withQueryParam(request: SignedRequest, name: string, value: string): SignedRequest {
  const url = new URL(request.url, 'http://placeholder');
  url.searchParams.set(name, value);
  return {
    ...request,
    url: `${url.pathname}?${url.searchParams.toString().replace(/\+/g, '%20')}`,
  };
}

describe('verifySigV4', () => {
  after(() => client.destroy());

  it('accepts a presigned upload sent with the signed headers', async () => {
    expect(await verifySigV4(await presignedUpload(), secretFor, new Date())).to.equal(null);
  });

  it('refuses a presigned upload whose content type differs', async () => {
    const request = await presignedUpload();
    request.headers['content-type'] = 'text/html';
    expect(await verifySigV4(request, secretFor, new Date())).to.include({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a presigned upload whose length differs', async () => {
    const request = await presignedUpload();
    request.headers['content-length'] = '5';
    expect(await verifySigV4(request, secretFor, new Date())).to.include({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a presigned upload sent to another key', async () => {
    const request = await presignedUpload();
    request.url = request.url.replace('/media/', '/media/other-');
    expect(await verifySigV4(request, secretFor, new Date())).to.include({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a signature made with another secret', async () => {
    const request = await presignedUpload();
    const wrongSecret = () => 'not-the-secret';
    expect(await verifySigV4(request, wrongSecret, new Date())).to.include({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses an unknown access key id', async () => {
    expect(await verifySigV4(await presignedUpload(), () => undefined, new Date())).to.include({
      code: 'InvalidAccessKeyId',
    });
  });

  it('refuses a presigned URL past its expiry', async () => {
    const later = new Date(Date.now() + 61_000);
    expect(await verifySigV4(await presignedUpload(), secretFor, later)).to.include({
      code: 'AccessDenied',
    });
  });

  it('refuses a request with no signature at all', async () => {
    const request = { method: 'GET', url: '/media/x', headers: { host: '127.0.0.1:9000' } };
    expect(await verifySigV4(request, secretFor, new Date())).to.include({ code: 'AccessDenied' });
  });

  it('refuses a header signature whose date is too far from now', async () => {
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
    expect(await verifySigV4(request, secretFor, new Date())).to.include({
      code: 'RequestTimeTooSkewed',
    });
  });

  it('accepts a presigned download whose query carries encoded characters', async () => {
    expect(await verifySigV4(await presignedDownload(), secretFor, new Date())).to.equal(null);
  });

  it('refuses a presigned download whose query gained a parameter', async () => {
    const request = await presignedDownload();
    request.url += '&response-content-type=text%2Fhtml';
    expect(await verifySigV4(request, secretFor, new Date())).to.include({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a presigned URL valid for more than a week', async () => {
    const request = withQueryParam(await presignedUpload(), 'X-Amz-Expires', '604801');
    expect(await verifySigV4(request, secretFor, new Date())).to.deep.equal({
      code: 'AccessDenied',
      message: 'X-Amz-Expires must be at most one week.',
    });
  });

  it('refuses a presigned URL whose signed headers leave out host', async () => {
    const request = withQueryParam(
      await presignedUpload(),
      'X-Amz-SignedHeaders',
      'content-length;content-type',
    );
    expect(await verifySigV4(request, secretFor, new Date())).to.deep.equal({
      code: 'AccessDenied',
      message: 'The host header must be signed.',
    });
  });

  it('refuses a presigned URL dated on a day that does not exist', async () => {
    const misdated = withQueryParam(await presignedUpload(), 'X-Amz-Date', '20260231T000000Z');
    const request = withQueryParam(
      misdated,
      'X-Amz-Credential',
      `${KEY_ID}/20260231/us-east-1/s3/aws4_request`,
    );
    expect(await verifySigV4(request, secretFor, new Date('2026-03-03T00:00:30Z'))).to.deep.equal({
      code: 'AccessDenied',
      message: 'X-Amz-Date is missing or malformed.',
    });
  });

  describe('with an Authorization header', () => {
    it('accepts a request as the SDK client signs it', async () => {
      expect(await verifySigV4(await headerSignedUpload(), secretFor, new Date())).to.equal(null);
    });

    it('refuses it when a signed header differs', async () => {
      const request = await headerSignedUpload();
      request.headers['content-type'] = 'text/html';
      expect(await verifySigV4(request, secretFor, new Date())).to.include({
        code: 'SignatureDoesNotMatch',
      });
    });

    it('refuses it when the declared payload hash differs', async () => {
      const request = await headerSignedUpload();
      request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      expect(await verifySigV4(request, secretFor, new Date())).to.include({
        code: 'SignatureDoesNotMatch',
      });
    });

    it('refuses it when its method differs', async () => {
      const request = await headerSignedUpload();
      request.method = 'DELETE';
      expect(await verifySigV4(request, secretFor, new Date())).to.include({
        code: 'SignatureDoesNotMatch',
      });
    });
  });
});
