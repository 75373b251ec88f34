import express, { type Request, type RequestHandler } from 'express';
import { UnsupportedMediaTypeError, ValidationError } from '../errors.js';

export const BODY_LIMIT = '1mb';

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPES = ['application/json', 'application/*+json'];
/** `Content-Type: application/json`, optionally with UTF-8: the type nearly every body has. */
const PLAIN_JSON = /^application\/json(?:; ?charset=utf-8)?$/i;

/** True for a JSON body; the plain type is recognised without parsing the header. */
function isJson(req: Request): boolean {
  const type = req.headers['content-type'];
  return (type !== undefined && PLAIN_JSON.test(type)) || Boolean(req.is(JSON_TYPES));
}

/** 415 for a body that is not JSON; a request without a body may omit Content-Type. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (BODY_METHODS.has(req.method) && hasBody(req) && !isJson(req)) {
    throw new UnsupportedMediaTypeError();
  }
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

/** The JSON pointer of the first string (or key) in `value` holding U+0000, else null. */
function nulPointer(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '/' : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.includes('\u0000')) return at;
    const found = nulPointer(item, at);
    if (found) return found;
  }
  return null;
}

/**
 * Refuses a body whose text holds U+0000 (`\u0000` in JSON): PostgreSQL can store it in
 * neither `text` nor `jsonb`, and no field of the API has a use for it. Cheap: the walk runs
 * only when the raw bytes contain the escape.
 */
const refuseNul: RequestHandler = (req, _res, next) => {
  const raw = (req as unknown as { rawBody?: Buffer }).rawBody;
  if (!raw?.includes('u0000')) return next();
  const pointer = nulPointer(req.body);
  if (pointer === null) return next();
  throw new ValidationError(
    'Text may not contain the NUL character (U+0000).',
    [{ path: pointer, message: 'contains U+0000' }],
    'nul_character',
  );
};

/** Parses a JSON body; requests without one (most GETs) skip the parser entirely. */
export const parseJson: RequestHandler = (req, res, next) => {
  if (!hasBody(req)) return next();
  return jsonParser(req, res, (err?: unknown) => {
    if (err) return next(err);
    try {
      refuseNul(req, res, next);
    } catch (refused) {
      next(refused);
    }
  });
};
