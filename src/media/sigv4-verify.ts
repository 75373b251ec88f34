import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Checks AWS Signature Version 4 on a request, for the local S3 server only.
 *
 * Why it exists: s3rver (the local server) parses SigV4 but never computes the signature, so
 * it would accept a presigned PUT sent with another Content-Type or another size. Real S3
 * and MinIO refuse those, and our upload contract relies on it. This check closes the gap
 * so the sandbox behaves like production.
 *
 * How: it reads the credential, date, expiry and signed-header list the client sent, checks
 * them, then has the AWS SDK's own signer (`@smithy/signature-v4`) sign the same request
 * again — same date, expiry, headers and payload hash — and compares the two signatures.
 * Canonicalisation and HMACs are the library's, so they match what the SDK produces.
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

type Query = Record<string, string | string[]>;

interface SignatureParts {
  accessKeyId: string;
  /** `<yyyymmdd>/<region>/<service>/aws4_request`. */
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
const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
const MAX_SKEW_MS = 15 * 60 * 1000;
/** S3's limit, which the signer also enforces (it refuses to presign for longer). */
const MAX_EXPIRES_SEC = 7 * 24 * 60 * 60;

/**
 * Verifies the request's SigV4 signature (query-string presigned or `Authorization` header).
 * Resolves to null when it is valid, else to why it is refused; it does not reject.
 */
export async function verifySigV4(
  request: SignedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
  now: Date,
): Promise<SignatureRejection | null> {
  const [path, rawQuery = ''] = splitOnce(request.url, '?');
  const query = parseQuery(rawQuery);
  const parts = readSignatureParts(query, request.headers);
  if (!parts) return { code: 'AccessDenied', message: 'A SigV4 signature is required.' };
  const secret = secretFor(parts.accessKeyId);
  if (secret === undefined) {
    return { code: 'InvalidAccessKeyId', message: 'Unknown access key id.' };
  }
  const signedAt = parseAmzDate(parts.amzDate);
  if (signedAt === null || !parts.scope.startsWith(parts.amzDate.slice(0, 8))) {
    return { code: 'AccessDenied', message: 'X-Amz-Date is missing or malformed.' };
  }
  const timeProblem = checkTime(parts.expiresSec, signedAt, now);
  if (timeProblem) return timeProblem;
  if (!parts.signedHeaders.includes('host')) {
    return { code: 'AccessDenied', message: 'The host header must be signed.' };
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: parts.accessKeyId, secretAccessKey: secret },
    region: parts.region,
    service: parts.service,
    sha256: Sha256,
    // S3 signs the path as sent, without the second encoding other services use.
    uriEscapePath: false,
    applyChecksum: false,
  });
  const expected = await recomputeSignature(signer, request, path || '/', query, parts, signedAt);
  const provided = Buffer.from(parts.signature, 'hex');
  const wanted = Buffer.from(expected, 'hex');
  if (provided.length !== wanted.length || !timingSafeEqual(provided, wanted)) {
    return { code: 'SignatureDoesNotMatch', message: 'The request signature does not match.' };
  }
  return null;
}

/**
 * Signs the request again as the client must have. Only the headers the client listed are
 * handed to the signer (plus the payload hash, which feeds the canonical request without
 * being a canonical header unless it was listed), and a presigned request keeps its query
 * exactly as received: nothing is hoisted into it.
 */
async function recomputeSignature(
  signer: SignatureV4,
  request: SignedRequest,
  path: string,
  query: Query,
  parts: SignatureParts,
  signedAt: Date,
): Promise<string> {
  const headers: Record<string, string> = { [PAYLOAD_HASH_HEADER]: parts.payloadHash };
  for (const name of parts.signedHeaders) headers[name] = headerValue(request.headers, name) ?? '';
  // Only method, path, query and headers enter the canonical request.
  const toSign = {
    method: request.method.toUpperCase(),
    protocol: 'http:',
    hostname: 'localhost',
    path,
    query,
    headers,
  };
  const options = {
    signingDate: signedAt,
    signableHeaders: new Set(parts.signedHeaders),
    unsignableHeaders: new Set([PAYLOAD_HASH_HEADER]),
  };
  if (parts.expiresSec === null) {
    const signed = await signer.sign(toSign, options);
    return /Signature=([0-9a-f]+)$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  }
  const presigned = await signer.presign(toSign, {
    ...options,
    expiresIn: parts.expiresSec,
    unhoistableHeaders: new Set(Object.keys(headers)),
  });
  const signature = presigned.query?.['X-Amz-Signature'];
  return typeof signature === 'string' ? signature : '';
}

function readSignatureParts(
  query: Query,
  headers: SignedRequest['headers'],
): SignatureParts | null {
  const param = (name: string) => {
    const value = query[name];
    return typeof value === 'string' ? value : undefined;
  };
  if (query['X-Amz-Algorithm'] !== undefined) {
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
    payloadHash: headerValue(headers, PAYLOAD_HASH_HEADER),
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

function checkTime(
  expiresSec: number | null,
  signedAt: Date,
  now: Date,
): SignatureRejection | null {
  if (expiresSec !== null) {
    if (expiresSec > MAX_EXPIRES_SEC) {
      return { code: 'AccessDenied', message: 'X-Amz-Expires must be at most one week.' };
    }
    return now.getTime() > signedAt.getTime() + expiresSec * 1000
      ? { code: 'AccessDenied', message: 'Request has expired.' }
      : null;
  }
  return Math.abs(now.getTime() - signedAt.getTime()) > MAX_SKEW_MS
    ? { code: 'RequestTimeTooSkewed', message: 'The request time is too far from ours.' }
    : null;
}

/** Duplicated names become arrays, as the signer expects; decoding is left lenient. */
function parseQuery(rawQuery: string): Query {
  // No prototype, so a `__proto__` parameter is an ordinary name like any other.
  const query = Object.create(null) as Query;
  if (rawQuery === '') return query;
  for (const pair of rawQuery.split('&')) {
    const [rawKey, rawValue = ''] = splitOnce(pair, '=');
    const key = safeDecode(rawKey);
    const value = safeDecode(rawValue);
    const seen = Object.hasOwn(query, key) ? query[key] : undefined;
    query[key] = seen === undefined ? value : [seen, value].flat();
  }
  return query;
}

/** `yyyymmddThhmmssZ`, and only a real instant (no 31st of February rolling over). */
function parseAmzDate(value: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '') === value ? date : null;
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : value)?.trim();
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
