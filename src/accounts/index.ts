export { createAccountsStore } from './accounts.store.js';
export type { AccountsStore } from './accounts.store.js';
export { createAccountsService } from './accounts.service.js';
export type { AccountsService, ProjectView, CreatedProject } from './accounts.service.js';
export { createAuthenticator } from './authenticate.js';
export type { Authenticator, UserTokenVerifier } from './authenticate.js';
export { createAdminRouter } from './admin.routes.js';
export { createProjectRouter } from './project.routes.js';
