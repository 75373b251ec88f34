// Root hooks for mocha; the integration harness (database, Redis prefix) is set up lazily
// by test/support/harness.ts so unit tests never touch a server.
export const mochaHooks = {};
