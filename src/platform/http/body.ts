import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../errors.js';

export const BODY_LIMIT = '1mb';

function hasBody(req: Parameters<RequestHandler>[0]): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** 415 for a body that is not JSON; a request without a body may omit Content-Type. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (
    ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) &&
    hasBody(req) &&
    !req.is(['application/json', 'application/*+json'])
  ) {
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

/** Parses a JSON body; requests without one (most GETs) skip the parser entirely. */
export const parseJson: RequestHandler = (req, res, next) => {
  if (!hasBody(req)) return next();
  return jsonParser(req, res, next);
};
