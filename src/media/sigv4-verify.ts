import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks AWS Signature Version 4 on a request, for the local S3 server only.
 *
 * Why it exists: s3rver (the local server) parses SigV4 but never computes the signature, so
 * it would accept a presigned PUT sent with another Content-Type or another size. Real S3
 * and MinIO refuse those, and our upload contract relies on it. This check closes the gap
 * so the sandbox behaves like production.
 *
 * What it leaves out, on purpose: it does not hash the body against `x-amz-content-sha256`
 * (presigned uploads are `UNSIGNED-PAYLOAD`, and header-signed requests come from our own
 * client), and it does not know SigV2 or POST policies: such requests are refused.
 */
export interface SignedRequest {
  method: string;
  /** The raw request target as it arrived: encoded path and query. */
  url: string;
  /** Lower-cased header names, as Node's `IncomingMessage.headers` gives them. */
  headers: Record<string, string | string[] | undefined>;
}

/** The S3 error a refused request answers with (all of them are 403 on S3). */
export interface SignatureRejection {
  code: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch' | 'RequestTimeTooSkewed';
  message: string;
}

interface SignatureParts {
  accessKeyId: string;
  scope: string;
  region: string;
  service: string;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  payloadHash: string;
  /** For presigned requests: seconds the signature stays valid after `amzDate`. */
  expiresSec: number | null;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * Verifies the request's SigV4 signature (query-string presigned or `Authorization` header).
 * Returns null when it is valid, else why it is refused.
 */
export function verifySigV4(
  request: SignedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
  now: Date,
): SignatureRejection | null {
  const [rawPath, rawQuery = ''] = splitOnce(request.url, '?');
  const query = parseQuery(rawQuery);
  const parts = readSignatureParts(query, request.headers);
  if (!parts) return { code: 'AccessDenied', message: 'A SigV4 signature is required.' };
  const secret = secretFor(parts.accessKeyId);
  if (secret === undefined) {
    return { code: 'InvalidAccessKeyId', message: 'Unknown access key id.' };
  }
  const timeProblem = checkTime(parts, now);
  if (timeProblem) return timeProblem;
  if (!parts.signedHeaders.includes('host')) {
    return { code: 'AccessDenied', message: 'The host header must be signed.' };
  }
  const canonical = canonicalRequest(request, rawPath, query, parts);
  const stringToSign = [ALGORITHM, parts.amzDate, parts.scope, sha256Hex(canonical)].join('\n');
  const key = signingKey(secret, parts.scope.split('/')[0], parts.region, parts.service);
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const provided = Buffer.from(parts.signature, 'hex');
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    return { code: 'SignatureDoesNotMatch', message: 'The request signature does not match.' };
  }
  return null;
}

function readSignatureParts(
  query: [string, string][],
  headers: SignedRequest['headers'],
): SignatureParts | null {
  const param = (name: string) => query.find(([k]) => k === name)?.[1];
  if (param('X-Amz-Algorithm') !== undefined) {
    if (param('X-Amz-Algorithm') !== ALGORITHM) return null;
    return buildParts({
      credential: param('X-Amz-Credential'),
      signedHeaders: param('X-Amz-SignedHeaders'),
      signature: param('X-Amz-Signature'),
      amzDate: param('X-Amz-Date'),
      payloadHash: param('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
      expires: param('X-Amz-Expires'),
    });
  }
  const authorization = headerValue(headers, 'authorization');
  if (!authorization?.startsWith(`${ALGORITHM} `)) return null;
  const fields = new Map(
    authorization
      .slice(ALGORITHM.length + 1)
      .split(',')
      .map((field): [string, string] => {
        const [name, value = ''] = splitOnce(field.trim(), '=');
        return [name, value];
      }),
  );
  return buildParts({
    credential: fields.get('Credential'),
    signedHeaders: fields.get('SignedHeaders'),
    signature: fields.get('Signature'),
    amzDate: headerValue(headers, 'x-amz-date'),
    payloadHash: headerValue(headers, 'x-amz-content-sha256'),
    expires: undefined,
  });
}

function buildParts(raw: {
  credential?: string;
  signedHeaders?: string;
  signature?: string;
  amzDate?: string;
  payloadHash?: string;
  expires?: string;
}): SignatureParts | null {
  const { credential, signedHeaders, signature, amzDate, payloadHash } = raw;
  if (!credential || !signedHeaders || !signature || !amzDate || !payloadHash) return null;
  const [accessKeyId, ...scopeParts] = credential.split('/');
  if (scopeParts.length !== 4 || scopeParts[3] !== 'aws4_request') return null;
  const expiresSec = raw.expires === undefined ? null : Number(raw.expires);
  if (expiresSec !== null && !(Number.isInteger(expiresSec) && expiresSec >= 0)) return null;
  return {
    accessKeyId,
    scope: scopeParts.join('/'),
    region: scopeParts[1],
    service: scopeParts[2],
    amzDate,
    signedHeaders: signedHeaders.split(';'),
    signature,
    payloadHash,
    expiresSec,
  };
}

function checkTime(parts: SignatureParts, now: Date): SignatureRejection | null {
  const signedAt = parseAmzDate(parts.amzDate);
  if (signedAt === null || !parts.scope.startsWith(parts.amzDate.slice(0, 8))) {
    return { code: 'AccessDenied', message: 'X-Amz-Date is missing or malformed.' };
  }
  if (parts.expiresSec !== null) {
    return now.getTime() > signedAt + parts.expiresSec * 1000
      ? { code: 'AccessDenied', message: 'Request has expired.' }
      : null;
  }
  return Math.abs(now.getTime() - signedAt) > MAX_SKEW_MS
    ? { code: 'RequestTimeTooSkewed', message: 'The request time is too far from ours.' }
    : null;
}

function canonicalRequest(
  request: SignedRequest,
  rawPath: string,
  query: [string, string][],
  parts: SignatureParts,
): string {
  const canonicalQuery = query
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)])
    .sort(([ka, va], [kb, vb]) => (ka === kb ? compare(va, vb) : compare(ka, kb)))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const headerLines = parts.signedHeaders
    .map((name) => `${name}:${(headerValue(request.headers, name) ?? '').replace(/\s+/g, ' ')}\n`)
    .join('');
  return [
    request.method.toUpperCase(),
    rawPath || '/',
    canonicalQuery,
    headerLines,
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const hmac = (key: string | Buffer, data: string) =>
    createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

function parseQuery(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').map((pair) => {
    const [key, value = ''] = splitOnce(pair, '=');
    return [safeDecode(key), safeDecode(value)];
  });
}

function parseAmzDate(value: string): number | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : value)?.trim();
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function splitOnce(value: string, separator: string): [string, string?] {
  const at = value.indexOf(separator);
  return at === -1 ? [value] : [value.slice(0, at), value.slice(at + 1)];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
