import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request logging with a request id: a sane incoming `X-Request-Id` is kept, otherwise one is
 * made; it is echoed in the response and on every log line of the request, with the project id.
 */
export function createHttpLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId(req, res) {
      const incoming = req.headers['x-request-id'];
      const id =
        typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : `req_${randomUUID()}`;
      res.setHeader('X-Request-Id', id);
      return id;
    },
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'request_id' },
    customProps(req) {
      const auth = (req as { auth?: { kind: string; projectId?: string } }).auth;
      return auth?.projectId ? { project_id: auth.projectId } : {};
    },
    customLogLevel(_req, res, err) {
      if (err || res.statusCode >= 500) return 'error';
      return 'info';
    },
    serializers: {
      req: (req: { method: string; url: string }) => ({
        method: req.method,
        url: req.url.replace(/([?&]token=)[^&]*/g, '$1[redacted]'),
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
  });
}
