/**
 * Who is calling. `key`: a project API key (full access to the project). `user`: a user token
 * acting as one chat identity. `admin`: the operator's ADMIN_TOKEN.
 */
export type AuthContext =
  | { kind: 'key'; projectId: string; keyId: string; rateLimitPerSecond: number | null }
  | { kind: 'user'; projectId: string; identity: string; rateLimitPerSecond: number | null }
  | { kind: 'admin' };

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the auth middleware of the route. */
    auth?: AuthContext;
    /** The exact bytes of a JSON body, for signature checks (ingress). */
    rawBody?: Buffer;
  }
}

/** The project of an authenticated request; routes behind project auth may rely on it. */
export function projectIdOf(auth: AuthContext | undefined): string {
  if (!auth || auth.kind === 'admin') throw new Error('route is missing project authentication');
  return auth.projectId;
}
