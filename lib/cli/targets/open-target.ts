import type { Command } from 'commander';
import { Option } from 'commander';
import type { Target } from './target';

// Which target a command works on, chosen from its options. A module apart from the interface
// (target.ts): the implementations import the interface, and only this module imports them.

/** `--stack`, `--region`, `--profile` as commander parses them. */
export interface TargetOptions {
  stack?: string;
  region?: string;
  profile?: string;
}

/** Adds the options that choose the target to a command. Without `--stack` the command works on the local stack. */
export function addTargetOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--stack <name>', 'work on this deployed CloudFormation stack instead of the local one').env(
        'TRIAGE_STACK',
      ),
    )
    .addOption(new Option('--region <region>', "AWS region of the stack (default: AWS_REGION or the profile's region)"))
    .addOption(
      new Option(
        '--profile <name>',
        'AWS profile for credentials and region (default: AWS_PROFILE or the default chain)',
      ),
    );
}

/** A deployed stack is asked for; local-only flags must not be mixed in. */
export function wantsAws(options: TargetOptions): boolean {
  return Boolean(options.stack);
}

/** Opens the target the options name: `--stack` -> AWS, else the local stack. */
export async function openTarget(options: TargetOptions): Promise<Target> {
  // Required here, not imported at the top: a local command does not load the AWS clients, and the other way round.
  if (options.stack) {
    const { AwsTarget } = require('./aws') as typeof import('./aws');
    return AwsTarget.open({ stack: options.stack, region: options.region, profile: options.profile });
  }
  if (options.region || options.profile) {
    const { CliError } = require('../errors') as typeof import('../errors');
    throw new CliError('--region and --profile need --stack NAME (without it the command works on the local stack)');
  }
  const { LocalTarget } = require('./local') as typeof import('./local');
  return LocalTarget.open();
}

/** Opens the target, runs `work`, and closes the target's clients. */
export async function withTarget<T>(options: TargetOptions, work: (target: Target) => Promise<T>): Promise<T> {
  const target = await openTarget(options);
  try {
    return await work(target);
  } finally {
    target.close();
  }
}
