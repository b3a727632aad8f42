#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth|deploy [-c config=path.yaml] [-c stackName=EmailTriage-staging]
 * [-c account=... -c region=...] [-c activateReceiptRuleSet=false]`.
 * A broken config ends the synth with one line per bad field, and exit code 1.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lib/config/schema';
import { addNagChecks, addTriageStack } from '../lib/triage-app';

const app = new App();
try {
  addTriageStack(app);
} catch (err) {
  if (err instanceof ConfigError || (err as Error)?.name === 'ConfigError') {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  throw err;
}
addNagChecks(app);
app.synth();
