#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.js';
import {
  createDb,
  createLogger,
  createStderrLogger,
  ensureDatabase,
  migrateLatest,
  StoreWaitError,
  waitForStores,
  type Logger,
} from './platform/index.js';
import { createRuntime, type Roles } from './runtime.js';
import { createWebhookReceiver } from './webhooks/index.js';

const USAGE = `Usage: trunkline <command>

  start                    everything in one process (API, workers, relay, orchestrator)
  api | worker | orchestrator   one role, for scaling out
  migrate                  create the database if missing and run migrations
  dev                      migrate, ensure a dev project, print a key, then start (npm start)
  project create --name X  print a new project id, API key and webhook secret as JSON
  webhooks listen --secret whsec_... [--port 4000]
                           a local receiver that verifies and prints webhook events
`;

const ALL: Roles = { api: true, worker: true, orchestrator: true };
const ROLES: Record<string, Roles> = {
  start: ALL,
  dev: ALL,
  api: { api: true, worker: false, orchestrator: false },
  worker: { api: false, worker: true, orchestrator: false },
  orchestrator: { api: false, worker: false, orchestrator: true },
};

async function migrate(config: Config, logger: Logger): Promise<void> {
  await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl, 1);
  try {
    const applied = await migrateLatest(db);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
  } finally {
    await db.destroy();
  }
}

async function run(command: string, roles: Roles, config: Config, logger: Logger): Promise<void> {
  const runtime = createRuntime(config, { roles, logger });
  if (command === 'dev') {
    const dev =
      (await runtime.services.accounts.findDevProject()) ??
      (await runtime.services.accounts.createProject({ name: 'dev', isDev: true }));
    const key = await runtime.services.accounts.createKey(dev.id);
    const [secret] = await runtime.services.accounts.signingSecrets(dev.id);
    const base = config.publicUrl;
    process.stdout.write(
      `\nTrunkline dev project ${dev.id}\n  API key:        ${key.api_key}\n  webhook secret: ${secret}\n` +
        `  try:            curl -H "Authorization: Bearer ${key.api_key}" ${base}/v1/project\n  docs:           ${base}/docs\n\n`,
    );
  }
  const port = await runtime.start();
  logger.info({ port, roles }, 'trunkline started');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down; finishing in-flight work');
    runtime
      .drain(signal === 'SIGTERM' ? config.shutdownDrainMs : 0)
      .then(() => runtime.stop())
      .then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'unclean shutdown');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function createProjectCommand(args: string[], config: Config, logger: Logger): Promise<void> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' } } });
  if (!values.name) throw new ConfigError('project create needs --name');
  const runtime = createRuntime(config, {
    roles: { api: false, worker: false, orchestrator: false },
    logger,
  });
  try {
    process.stdout.write(
      `${JSON.stringify(await runtime.services.accounts.createProject({ name: values.name }), null, 2)}\n`,
    );
  } finally {
    await runtime.stop();
  }
}

async function listenCommand(args: string[], logger: Logger): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { secret: { type: 'string' }, port: { type: 'string', default: '4000' } },
  });
  if (!values.secret) throw new ConfigError('webhooks listen needs --secret whsec_...');
  const receiver = createWebhookReceiver({
    secret: values.secret,
    port: Number(values.port),
    logger,
    onEvent: (event) => {
      const line = {
        verified: event.verified,
        id: event.id,
        type: event.type,
        attempt: event.attempt,
        reason: event.reason,
        data: event.data,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    },
  });
  const { url } = await receiver.start();
  process.stdout.write(
    `listening on ${url} (set it as webhook_url; WEBHOOK_ALLOW_PRIVATE=true for a local Trunkline)\n`,
  );
}

async function main(argv: string[]): Promise<void> {
  const [command = 'start', ...rest] = argv;
  if (command === 'help' || command === '--help') return void process.stdout.write(USAGE);
  const config = loadConfig(process.env);
  // `project create` and `webhooks listen` print their result on standard output: their logs
  // go to standard error, so the output can be piped to a JSON reader.
  const printsResult = command === 'project' || command === 'webhooks';
  const logger = printsResult ? createStderrLogger(config.logLevel) : createLogger(config.logLevel);
  if (command === 'webhooks' && rest[0] === 'listen') return listenCommand(rest.slice(1), logger);
  const stores = (redis = true) =>
    waitForStores({
      databaseUrl: config.databaseUrl,
      redisUrl: redis ? config.redisUrl : null,
      waitMs: config.startupWaitMs,
      logger,
    });
  if (command === 'migrate') {
    await stores(false); // a migration job needs only PostgreSQL
    return migrate(config, logger);
  }
  if (command === 'project' && rest[0] === 'create') {
    await stores();
    await migrate(config, logger);
    return createProjectCommand(rest.slice(1), config, logger);
  }
  const roles = ROLES[command];
  if (!roles) throw new ConfigError(`unknown command "${command}"\n\n${USAGE}`);
  await stores();
  if (command === 'dev' || command === 'start') await migrate(config, logger);
  await run(command, roles, config, logger);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const plain = err instanceof ConfigError || err instanceof StoreWaitError;
  const message = plain ? (err as Error).message : ((err as Error).stack ?? String(err));
  process.stderr.write(`trunkline: ${message}\n`);
  process.exit(1);
});
