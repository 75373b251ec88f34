import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../../platform/index.js';
import { ARI_OPERATIONS, operationKey, type AriOperationSpec } from './ari-operations.js';
import { isAuthorized } from './auth.js';
import type { EventHub } from './event-hub.js';
import { AriHttpError } from './pbx-state.js';
import type { AriHandler, AriReply } from './rest-handlers.js';
import { renderApiDeclaration, renderResourceListing } from './swagger-docs.js';

const MAX_BODY_BYTES = 64 * 1024;

interface Route {
  spec: AriOperationSpec;
  pattern: RegExp;
  pathParams: string[];
}

const ROUTES: Route[] = ARI_OPERATIONS.filter((spec) => spec.resource !== 'events').map((spec) => ({
  spec,
  pattern: new RegExp(`^${spec.path.replace(/\{\w+\}/g, '([^/]+)')}$`),
  pathParams: spec.parameters.filter((p) => p.paramType === 'path').map((p) => p.name),
}));

export interface AriServerDeps {
  logger: Logger;
  credentials: { username: string; password: string };
  handlers: Record<string, AriHandler>;
  hub: EventHub;
}

/**
 * ARI over HTTP on node:http: `/ari/api-docs/*` (Swagger), the REST operations of
 * ari-operations.ts (query parameters, or JSON body keys, as Asterisk reads them), and the
 * `/ari/events` WebSocket upgrade. Every `/ari` request needs the ARI credentials.
 */
export function createAriServer(deps: AriServerDeps): Server {
  const server = createServer((req, res) => {
    handleRequest(deps, req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof AriHttpError) return sendJson(res, err.status, { message: err.message });
      deps.logger.error({ err }, 'sandbox PBX request failed');
      sendJson(res, 500, { message: 'Internal Server Error' });
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    handleUpgrade(deps, req, socket, head);
  });
  return server;
}

async function handleRequest(deps: AriServerDeps, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://pbx.invalid');
  if (!url.pathname.startsWith('/ari/')) return sendJson(res, 404, { message: 'Not found' });
  if (!isAuthorized(req, url, deps.credentials)) {
    res.setHeader('WWW-Authenticate', 'Basic realm="Asterisk REST Interface"');
    return sendJson(res, 401, { message: 'Authentication required' });
  }
  const path = url.pathname.slice('/ari'.length);
  const baseUrl = `http://${req.headers.host ?? 'localhost'}`;
  if (req.method === 'GET' && path.startsWith('/api-docs/')) {
    return serveDocs(res, baseUrl, path.slice('/api-docs/'.length));
  }
  const matches = ROUTES.map((route) => ({ route, match: route.pattern.exec(path) })).filter(
    (candidate) => candidate.match !== null,
  );
  const found = matches.find(({ route }) => route.spec.httpMethod === req.method);
  if (!found) {
    return matches.length > 0
      ? sendJson(res, 405, { message: 'Method not allowed' })
      : sendJson(res, 404, { message: 'Resource not found' });
  }
  const params = await readParams(req, url);
  found.route.pathParams.forEach((name, index) => {
    params[name] = decodeURIComponent(found.match?.[index + 1] ?? '');
  });
  const handler = deps.handlers[operationKey(found.route.spec)];
  if (!handler) return sendJson(res, 501, { message: 'Not implemented' });
  sendReply(res, callHandler(handler, params));
}

function callHandler(handler: AriHandler, params: Record<string, string>): AriReply {
  try {
    return handler(params);
  } catch (err) {
    if (err instanceof AriHttpError) return { status: err.status, json: { message: err.message } };
    throw err;
  }
}

function serveDocs(res: ServerResponse, baseUrl: string, file: string): void {
  if (file === 'resources.json') return sendJson(res, 200, renderResourceListing(baseUrl));
  const declaration = file.endsWith('.json')
    ? renderApiDeclaration(baseUrl, file.slice(0, -'.json'.length))
    : null;
  if (!declaration) return sendJson(res, 404, { message: 'Not found' });
  sendJson(res, 200, declaration);
}

/** Query parameters (repeated ones joined by commas, as ARI reads them) plus JSON body keys. */
async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) {
    if (key !== 'api_key') params[key] = url.searchParams.getAll(key).join(',');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new AriHttpError(413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8').trim();
  if (!raw || !(req.headers['content-type'] ?? '').includes('json')) return params;
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return params;
  }
  if (typeof body === 'object' && body !== null) {
    for (const [key, value] of Object.entries(body)) {
      if (typeof value !== 'object') params[key] = String(value);
    }
  }
  return params;
}

function handleUpgrade(deps: AriServerDeps, req: IncomingMessage, socket: Duplex, head: Buffer) {
  const url = new URL(req.url ?? '/', 'http://pbx.invalid');
  if (url.pathname !== '/ari/events') return rejectUpgrade(socket, 404, 'Not Found');
  if (!isAuthorized(req, url, deps.credentials)) {
    return rejectUpgrade(socket, 401, 'Unauthorized');
  }
  const apps = (url.searchParams.get('app') ?? '').split(',').filter(Boolean);
  if (apps.length === 0) return rejectUpgrade(socket, 400, 'Bad Request');
  deps.hub.accept(req, socket, head, apps);
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function sendReply(res: ServerResponse, reply: AriReply): void {
  if ('file' in reply) {
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType,
      'Content-Length': reply.file.length,
    });
    res.end(reply.file);
  } else if (reply.json === undefined) {
    res.writeHead(reply.status);
    res.end();
  } else {
    sendJson(res, reply.status, reply.json);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
