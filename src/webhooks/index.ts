export { generateWebhookSecret } from './signing.js';
export { checkCallbackUrl } from './url-guard.js';
