/**
 * `npm start`: the whole email triage system on this machine, no AWS account (lib/local/README.md).
 *
 *   npm start -- [--reset] [--time-scale N] [--config PATH] [--verbose]
 *
 * State lives in `.triage/` in the current directory (or $TRIAGE_HOME). Ports: TRIAGE_SMTP_PORT (2525),
 * TRIAGE_S3_PORT (4569), TRIAGE_DYNAMODB_PORT (8000), TRIAGE_SES_PORT (8005), TRIAGE_SECRETS_PORT (8006),
 * TRIAGE_SFN_PORT (8083), TRIAGE_WEB_PORT (8080: the status page and survey); 0 picks a free port.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../lib/config/schema';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../lib/config/load';
import {
  banner,
  DEFAULT_PORTS,
  localStateDir,
  LocalStackError,
  PORT_ENV,
  PortInUseError,
  startLocalStack,
  type LocalStack,
  type ServiceName,
} from '../lib/local';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number, such as 3600');
  return n;
}

function portsFromEnv(): Partial<Record<ServiceName, number>> {
  const ports: Partial<Record<ServiceName, number>> = {};
  for (const [service, name] of Object.entries(PORT_ENV) as [ServiceName, string][]) {
    const raw = process.env[name];
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new LocalStackError(
        `${name}=${raw}: expected a port number between 0 and 65535 (0 picks a free port; default ${DEFAULT_PORTS[service]})`,
      );
    }
    ports[service] = port;
  }
  return ports;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('npm start --')
    .description('Run the email triage system locally: SMTP in, S3, DynamoDB, SES outbox, Step Functions timers.')
    .option('--reset', 'delete the local state (tickets, mail, outbox, timers) first')
    .option('--time-scale <n>', 'run timer waits N times faster (3600: an hour per second)', positiveNumber, 1)
    .option('--config <path>', 'the config file', DEFAULT_CONFIG_PATH)
    .option('--verbose', "show the functions' Powertools logs and metrics, and full stack traces")
    .showHelpAfterError();
  program.parse(process.argv);
  const opts = program.opts<{ reset?: boolean; timeScale: number; config: string; verbose?: boolean }>();

  const started = Date.now();
  const configPath = resolve(opts.config);
  loadConfigFile(configPath); // a broken config stops here, with the path of each bad field
  const stateDir = localStateDir();

  const stack: LocalStack = await startLocalStack({
    stateDir,
    configPath,
    reset: opts.reset,
    timeScale: opts.timeScale,
    verbose: opts.verbose,
    ports: portsFromEnv(),
    log: (line) => console.log(line),
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      console.log('stopping now');
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the local stack (running timers resume on the next start)...`);
    stack.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(`error while stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < 22)
    console.log(
      `note: Node ${process.versions.node} here; Lambda runs the functions on Node 22 (the AWS SDK requires Node 22 from 2027)`,
    );
  console.log(banner(stack));
  console.log(
    `Local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (state in ${stateDir}). Ctrl-C to stop.`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof PortInUseError || err instanceof LocalStackError) {
    console.error(err instanceof ConfigError ? err.message : `error: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
