import type { RequestHandler } from 'express';
import {
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  type AuthContext,
} from '../platform/index.js';
import type { AccountsService } from './accounts.service.js';
import { secretEquals } from './api-keys.js';

/** Verifies a user token (JWT) for chat and realtime; provided by the chat feature. */
export type UserTokenVerifier = (token: string) => Promise<AuthContext | null>;

function bearerOf(header: string | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match ? match[1] : null;
}

/**
 * Route guards. `project`: a project API key. `projectOrUser`: an API key or a user token.
 * `admin`: the operator token; when ADMIN_TOKEN is unset the admin API does not exist (404).
 */
export function createAuthenticator(deps: {
  accounts: AccountsService;
  adminToken: string | null;
  verifyUserToken?: UserTokenVerifier;
  /** Run after a successful project or user authentication: rate limit, idempotency. */
  after?: RequestHandler[];
  /** Run after a successful operator authentication: idempotency. */
  afterAdmin?: RequestHandler[];
}) {
  async function resolve(
    req: Parameters<RequestHandler>[0],
    allowUser: boolean,
  ): Promise<AuthContext> {
    const token = bearerOf(req.get('Authorization'));
    if (!token) throw new UnauthorizedError('Send an API key as "Authorization: Bearer <key>".');
    if (token.startsWith('tk_')) {
      const auth = await deps.accounts.authenticateKey(token);
      if (auth) return auth;
      throw new UnauthorizedError('The API key is invalid or revoked.');
    }
    const user = deps.verifyUserToken ? await deps.verifyUserToken(token) : null;
    if (allowUser) {
      // A user token is limited like an API key: at its project's own rate when it has one.
      if (user?.kind === 'user') {
        return { ...user, rateLimitPerSecond: await deps.accounts.rateLimitOf(user.projectId) };
      }
      if (user) return user;
      throw new UnauthorizedError('The user token is invalid or expired.', 'invalid_token');
    }
    // A valid credential of the wrong kind is "not allowed" (403), not "not authenticated".
    if (user) {
      throw new ForbiddenError(
        'This endpoint takes a project API key; user tokens reach the chat endpoints only.',
        'api_key_required',
      );
    }
    throw new UnauthorizedError('The API key is invalid or revoked.');
  }

  const guard = (allowUser: boolean): RequestHandler[] => [
    async (req, _res, next) => {
      req.auth = await resolve(req, allowUser);
      next();
    },
    ...(deps.after ?? []),
  ];

  const operator: RequestHandler = (req, _res, next) => {
    if (!deps.adminToken) throw new NotFoundError('Route');
    const token = bearerOf(req.get('Authorization'));
    if (!token || !secretEquals(token, deps.adminToken)) {
      throw new UnauthorizedError(
        'Send the operator token as "Authorization: Bearer <ADMIN_TOKEN>".',
      );
    }
    req.auth = { kind: 'admin' };
    next();
  };

  const admin: RequestHandler[] = [operator, ...(deps.afterAdmin ?? [])];
  return { project: guard(false), projectOrUser: guard(true), admin };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
