import { type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfigFile, DEFAULT_CONFIG_PATH } from './config/load';
import { buildDeploymentJson } from './config/deployment';
import { TriageStack, type TriageStackProps } from './triage-stack';

/** Stack name when the context gives none. */
export const DEFAULT_STACK_NAME = 'EmailTriage';

/** What one deployment is made of; every field falls back to the app's context, then to a default. */
export interface TriageAppOptions {
  /**
   * Path of the YAML config (context `config`).
   * @default "triage.config.yaml"
   */
  readonly configPath?: string;
  /**
   * Name of the stack (context `stackName`): staging and production are two names.
   * @default "EmailTriage"
   */
  readonly stackName?: string;
  /**
   * Account and region (context `account`/`region`, else CDK_DEFAULT_ACCOUNT/CDK_DEFAULT_REGION).
   * @default - environment-agnostic when neither is known (synth works offline)
   */
  readonly env?: Environment;
  /**
   * Activate the SES receipt rule set (context `activateReceiptRuleSet`).
   * @default true
   */
  readonly activateReceiptRuleSet?: boolean;
  /** Passed through to the stack (tests point them at other handler modules). @default - the real handlers */
  readonly inboundEntry?: TriageStackProps['inboundEntry'];
  /** @default - the real handler */
  readonly timerEntry?: TriageStackProps['timerEntry'];
}

function contextFlag(app: App, key: string): boolean | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return undefined;
  return !(value === false || value === 'false' || value === '0' || value === 'no');
}

/**
 * Loads and validates the config and adds one {@link TriageStack} to the app.
 * @throws ConfigError (from `lib/config/schema`) naming every bad field of the config.
 */
export function addTriageStack(app: App, options: TriageAppOptions = {}): TriageStack {
  const configPath: string = options.configPath ?? app.node.tryGetContext('config') ?? DEFAULT_CONFIG_PATH;
  const stackName: string = options.stackName ?? app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME;
  const account: string | undefined = app.node.tryGetContext('account') ?? process.env.CDK_DEFAULT_ACCOUNT;
  const region: string | undefined = app.node.tryGetContext('region') ?? process.env.CDK_DEFAULT_REGION;

  const config = loadConfigFile(configPath);
  const deploymentJson = buildDeploymentJson(configPath);
  return new TriageStack(app, stackName, {
    stackName,
    env: options.env ?? { account, region },
    config,
    deploymentJson,
    activateReceiptRuleSet: options.activateReceiptRuleSet ?? contextFlag(app, 'activateReceiptRuleSet'),
    inboundEntry: options.inboundEntry,
    timerEntry: options.timerEntry,
  });
}

/** Runs the AWS Solutions checks of cdk-nag at synth: an unacknowledged error fails the synth. */
export function addNagChecks(app: App): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(checks);
  return checks;
}
