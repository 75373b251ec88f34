import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { pipeline, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { parse as parseContentType } from 'content-type';
import express, { type RequestHandler } from 'express';
import getRawBody from 'raw-body';
import typeis from 'type-is';
import { UnsupportedMediaTypeError, ValidationError } from '../errors.js';

export const BODY_LIMIT = '1mb';

function hasBody(req: { headers: IncomingHttpHeaders }): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPES = ['application/json', 'application/*+json'];
/** `Content-Type: application/json`, optionally with UTF-8: the type nearly every body has. */
const PLAIN_JSON = /^application\/json(?:; ?charset=utf-8)?$/i;

/** True for a JSON body; the plain type is recognised without parsing the header. */
function isJson(req: { headers: IncomingHttpHeaders }): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && (PLAIN_JSON.test(type) || Boolean(typeis.is(type, JSON_TYPES)));
}

/**
 * Throws 415 for a body that is not JSON, or JSON in another encoding than UTF-8 (RFC 8259:
 * JSON between systems is UTF-8; the checks on the raw bytes below read them as UTF-8, and a
 * UTF-16 body slipped past them to a 500). A request without a body may omit Content-Type.
 */
function checkJsonType(req: { method?: string; headers: IncomingHttpHeaders }): void {
  if (!BODY_METHODS.has(req.method ?? '') || !hasBody(req)) return;
  if (!isJson(req)) throw new UnsupportedMediaTypeError();
  const charset = charsetOf(req.headers['content-type']);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError('A JSON body must be encoded as UTF-8.');
  }
}

/** 415 for a body that is not JSON; a request without a body may omit Content-Type. */
export const requireJson: RequestHandler = (req, _res, next) => {
  checkJsonType(req);
  next();
};

/** JSON parser with a 1 MB limit that keeps the raw bytes for signature checks. */
const jsonParser = express.json({
  limit: BODY_LIMIT,
  strict: false,
  type: ['application/json', 'application/*+json'],
  verify: (req, _res, buf) => {
    (req as unknown as { rawBody: Buffer }).rawBody = buf;
  },
});

/**
 * The JSON pointer of the first string, key or number in `value` that `bad` picks, else null.
 */
function pointerOf(
  value: unknown,
  bad: (leaf: string | number) => boolean,
  path = '',
): string | null {
  if (typeof value === 'string' || typeof value === 'number') {
    return bad(value) ? path || '/' : null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (bad(key)) return at;
    const found = pointerOf(item, bad, at);
    if (found) return found;
  }
  return null;
}

const isText = (leaf: string | number): leaf is string => typeof leaf === 'string';

/**
 * Text PostgreSQL cannot store, each found only where the raw bytes hold its JSON escape
 * (neither can be written as raw UTF-8), so a body without the escape costs one search:
 * - U+0000 (`\u0000`): neither `text` nor `jsonb` holds it, and no field has a use for it;
 * - a lone surrogate (`\ud83d` without its pair): JSON allows the escape and jsonb refuses it,
 *   and a message body reaches jsonb in its event (it was a 500).
 */
const UNSTORABLE_TEXT = [
  {
    escapes: ['u0000'],
    bad: (leaf: string | number) => isText(leaf) && leaf.includes('\u0000'),
    detail: 'Text may not contain the NUL character (U+0000).',
    message: 'contains U+0000',
    code: 'nul_character',
  },
  {
    escapes: ['\\ud', '\\uD'],
    bad: (leaf: string | number) => isText(leaf) && !leaf.isWellFormed(),
    detail: 'Text must be well-formed Unicode: a surrogate escape needs its pair.',
    message: 'holds a lone surrogate',
    code: 'invalid_unicode',
  },
];

/** Refuses a body holding text of `UNSTORABLE_TEXT`, with the JSON pointer of the first. */
function refuseUnstorableText(raw: Buffer, body: unknown): void {
  for (const { escapes, bad, detail, message, code } of UNSTORABLE_TEXT) {
    if (!escapes.some((escape) => raw.includes(escape))) continue;
    const pointer = pointerOf(body, bad);
    if (pointer !== null) throw new ValidationError(detail, [{ path: pointer, message }], code);
  }
}

/** Nesting allowed in a body: no field of the API needs more than a few levels. */
const MAX_JSON_DEPTH = 64;

/** Digits a numeral needs to exceed a double without an exponent (1.8e308 has 309). */
const DOUBLE_DIGITS = 309;

/**
 * One pass over the raw bytes, outside strings, allocating nothing: refuses a body whose
 * arrays and objects nest deeper than MAX_JSON_DEPTH (JSON.parse takes any depth, but
 * JSON.stringify and PostgreSQL's jsonb recurse: a signed provider event with 100,000 nested
 * arrays in a free-form field was a 500), and tells whether a numeral could be too large for
 * a double (it has an exponent, or 309 digits), so only such a body is searched for one.
 */
function scanStructure(raw: Buffer): { hugeNumeral: boolean } {
  let depth = 0;
  let inString = false;
  let digits = 0;
  let hugeNumeral = false;
  for (let i = 0; i < raw.length; i += 1) {
    const byte = raw[i];
    const digit = byte >= 0x30 && byte <= 0x39;
    if (inString) {
      if (byte === 0x5c) i += 1;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) {
        throw new ValidationError(
          `JSON may nest at most ${MAX_JSON_DEPTH} arrays and objects deep.`,
          [],
          'too_deep',
        );
      }
    } else if (byte === 0x7d || byte === 0x5d) depth -= 1;
    else if ((byte === 0x65 || byte === 0x45) && digits > 0) hugeNumeral = true;
    digits = digit && !inString ? digits + 1 : 0;
    if (digits >= DOUBLE_DIGITS) hugeNumeral = true;
  }
  return { hugeNumeral };
}

/**
 * Refuses a number too large for a double (`1e400`): JSON.parse reads it as Infinity, which
 * JSON.stringify writes as null, so a free-form object (attributes, settings) stored it as
 * null behind a 201. Typed fields meet their schema's bounds anyway.
 */
function refuseInfinity(body: unknown): void {
  const pointer = pointerOf(body, (leaf) => typeof leaf === 'number' && !Number.isFinite(leaf));
  if (pointer !== null) {
    throw new ValidationError(
      'A number in the request is too large to be represented.',
      [{ path: pointer, message: 'is beyond ±1.8e308' }],
      'out_of_range',
    );
  }
}

/**
 * The refusals of a parsed body that neither the parser nor the schemas make. Bytes that are
 * not UTF-8 are a 415 like any other charset: the parser would turn each into U+FFFD and
 * store text the client never sent.
 */
function refuseUnstorable(raw: Buffer | undefined, body: unknown): void {
  if (!raw) return;
  if (!isUtf8(raw)) throw new UnsupportedMediaTypeError('A JSON body must be valid UTF-8.');
  const { hugeNumeral } = scanStructure(raw);
  refuseUnstorableText(raw, body);
  if (hugeNumeral) refuseInfinity(body);
}

const refuseUnstorableBody: RequestHandler = (req, _res, next) => {
  refuseUnstorable(req.rawBody, req.body);
  next();
};

/** Parses a JSON body; requests without one (most GETs) skip the parser entirely. */
export const parseJson: RequestHandler = (req, res, next) => {
  if (!hasBody(req)) return next();
  return jsonParser(req, res, (err?: unknown) => {
    if (err) return next(err);
    try {
      refuseUnstorableBody(req, res, next);
    } catch (refused) {
      next(refused);
    }
  });
};

/** The same refusals as the JSON parser's errors, which `problemHandler` maps by `type`. */
function parserError(type: string): Error {
  return Object.assign(new Error(type), { type });
}

/** The charset parameter, lower-cased; none for the plain type or an unparsable header. */
function charsetOf(type: string | undefined): string | undefined {
  if (type === undefined || PLAIN_JSON.test(type)) return undefined;
  try {
    return parseContentType(type).parameters.charset?.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The decoders of the content codings body-parser reads, so both paths take the same. */
const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The request's body bytes, decoded from its content coding (gzip, deflate, br) as body-parser
 * decodes them: the 1 MB limit counts decoded bytes, and a body that does not decode is a 400.
 */
async function decodedBody(req: IncomingMessage): Promise<Buffer> {
  const coding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (coding === 'identity') {
    return getRawBody(req, { length: req.headers['content-length'], limit: BODY_LIMIT });
  }
  const createDecoder = Object.hasOwn(DECODERS, coding) ? DECODERS[coding] : undefined;
  if (!createDecoder) throw parserError('encoding.unsupported');
  const decoder = createDecoder();
  // pipeline destroys the decoder when the client goes away mid-body, so the read below
  // settles instead of waiting for ever.
  pipeline(req, decoder, () => undefined);
  try {
    return await getRawBody(decoder, { limit: BODY_LIMIT });
  } catch (err) {
    decoder.destroy();
    req.resume(); // the rest is read and dropped, so the answer goes out
    const tooLarge = (err as { type?: string }).type === 'entity.too.large';
    throw tooLarge ? err : parserError('entity.parse.failed');
  }
}

/**
 * The JSON body of a request served outside Express (see `lean-routes.ts`), read and checked
 * as `requireJson` and `parseJson` do for the others: 415 for another type, charset or
 * content coding, 413 beyond 1 MB (decoded), 400 for malformed JSON, U+0000 or deep nesting.
 * An empty body is `{}` and a leading byte order mark is dropped, as the parser does.
 * Resolves with the parsed value and the exact (decoded) bytes, which a signature covers.
 */
export async function readJsonBody(req: IncomingMessage): Promise<{ body: unknown; raw: Buffer }> {
  checkJsonType(req);
  const raw = await decodedBody(req);
  if (raw.length === 0) return { body: {}, raw };
  // A leading byte order mark is dropped, as body-parser drops it (the raw bytes keep it).
  const start = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8', start));
  } catch {
    throw parserError('entity.parse.failed');
  }
  refuseUnstorable(raw, body);
  return { body, raw };
}
