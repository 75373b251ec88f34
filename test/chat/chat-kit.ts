import { createTestProject, startApp, type TestApp, type TestProject } from '../support/harness.js';
import { clientFor } from '../support/http.js';

/** A started app, a project, and helpers to act as the operator or as an identity. */
export interface ChatKit {
  app: TestApp;
  project: TestProject;
  operator: ReturnType<typeof clientFor>;
  tokenFor(identity: string, ttl?: number): Promise<string>;
  as(identity: string): Promise<ReturnType<typeof clientFor>>;
}

export async function startChatKit(app?: TestApp): Promise<ChatKit> {
  const started = app ?? (await startApp());
  const project = await createTestProject(started, 'chat');
  const operator = clientFor(started.url, project.apiKey);
  const tokenFor = async (identity: string, ttl?: number) => {
    const res = await operator<{ token: string }>('POST', '/v1/tokens', {
      body: { identity, ...(ttl ? { ttl } : {}) },
    });
    if (res.status !== 201) throw new Error(`token for ${identity}: ${res.status} ${res.text}`);
    return res.body.token;
  };
  return {
    app: started,
    project,
    operator,
    tokenFor,
    as: async (identity) => clientFor(started.url, await tokenFor(identity)),
  };
}
