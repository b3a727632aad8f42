import { basename, dirname } from 'node:path';
import type { TriageConfig } from '../../functions/domain/config';
import { LocalResources } from './cfn';
import { LocalStackError } from './errors';
import { receiptRulesFromConfig, receiptRulesFromTemplate, type LocalReceiptRule } from './receipt-rules';
import { s3Notifications, type S3Notification } from './s3-notifications';
import { localStateMachines, type LocalStateMachine } from './sfn-definition';
import { synthesizeStack, type SynthesisedStack } from './synth';

/**
 * What the local stack runs, read from the CDK stack synthesised in-process: the functions, the table,
 * the raw-mail bucket, the timer state machine, the S3 -> Lambda notifications, the SES receipt rules
 * and the function URL. Where the template lacks a notification or a receipt rule, the wiring the
 * stack is meant to have (inbound/ and replies/ to the inbound function; the config's addresses) is
 * used, with a note.
 */
export interface StackTemplate {
  synth: SynthesisedStack;
  resources: LocalResources;
  /** logical ids of the stack's TriageFunctions */
  functionIds: string[];
  tableName: string;
  bucketName: string;
  stateMachineArn: string;
  replyTokenSecretId?: string;
  machines: LocalStateMachine[];
  notifications: S3Notification[];
  receiptRules: LocalReceiptRule[];
  /** the `AWS::Lambda::Url`, and the function it invokes when that is one of ours */
  functionUrl?: { id: string; functionId?: string };
}

/** Synthesises the stack and reads what the local stack needs from its template. */
export function readStackTemplate(options: {
  config: TriageConfig;
  deploymentJson: string;
  stackModule?: string;
  log: (line: string) => void;
}): StackTemplate {
  const { config, log } = options;
  const synth = synthesizeStack({ config, deploymentJson: options.deploymentJson, stackModule: options.stackModule });
  const resources = new LocalResources(synth.template, synth.stackName);
  const functionIds = Object.keys(synth.functions).filter(
    (id) => synth.template.Resources[id]?.Type === 'AWS::Lambda::Function',
  );
  if (functionIds.length === 0) throw new LocalStackError('the synthesised stack has no TriageFunction');
  const first = (type: string) => resources.ofType(type)[0];
  const tableId = synth.parts.table ?? first('AWS::DynamoDB::Table') ?? first('AWS::DynamoDB::GlobalTable');
  const bucketId = synth.parts.rawMailBucket ?? first('AWS::S3::Bucket');
  const machineId = synth.parts.timerStateMachine ?? first('AWS::StepFunctions::StateMachine');
  if (!tableId || !bucketId || !machineId)
    throw new LocalStackError('the synthesised stack lacks a table, a bucket or a state machine');
  const bucketName = resources.name(bucketId);
  const machines = localStateMachines(resources, functionIds);
  for (const m of machines) {
    for (const [state, t] of Object.entries(m.tasks))
      if (t.mode === 'unsupported')
        log(`warning: state ${m.name}.${state} calls ${t.resource}, which the local stack cannot run; it will fail`);
  }
  let notifications: S3Notification[] = s3Notifications(resources, functionIds);
  if (!notifications.some((n) => n.bucket === bucketName)) {
    const inbound = synth.parts.inboundFunction ?? functionIds[0];
    log(
      `note: no S3 -> Lambda notification for ${bucketName} in the template; using TriageStack's (inbound/, replies/ -> ${functionLabel(synth.functions[inbound].entry)})`,
    );
    notifications = [
      ...notifications,
      ...['inbound/', 'replies/'].map((prefix) => ({
        id: `contract-${prefix}`,
        bucket: bucketName,
        functionLogicalId: inbound,
        events: ['s3:ObjectCreated:*'],
        prefix,
        suffix: '',
      })),
    ];
  }
  let receiptRules = receiptRulesFromTemplate(resources);
  if (receiptRules.length === 0) {
    log(
      'note: no SES receipt rule with an S3 action in the template; accepting mail as TriageStack does (department, general and reply addresses)',
    );
    receiptRules = receiptRulesFromConfig(config, bucketName);
  }
  // The function URL (status page, survey): served on 127.0.0.1, invoking the function it targets.
  const urlId = first('AWS::Lambda::Url');
  const urlTarget = urlId
    ? String(resources.resolve(resources.resource(urlId).Properties?.TargetFunctionArn))
    : undefined;
  const webFunctionId = urlTarget
    ? functionIds.find((id) => resources.arn(id) === urlTarget || resources.name(id) === urlTarget)
    : undefined;
  if (urlId && !webFunctionId)
    log(
      `warning: the function URL ${urlId} targets ${urlTarget}, which is not a TriageFunction; it is not served locally`,
    );

  return {
    synth,
    resources,
    functionIds,
    tableName: resources.name(tableId),
    bucketName,
    stateMachineArn: resources.arn(machineId),
    replyTokenSecretId: synth.parts.replyTokenSecret ? resources.arn(synth.parts.replyTokenSecret) : undefined,
    machines,
    notifications,
    receiptRules,
    functionUrl: urlId ? { id: urlId, functionId: webFunctionId } : undefined,
  };
}

/** A function's name in log lines: its handler module's folder (`inbound`), or the module's own name. */
export function functionLabel(entry: string): string {
  const base = basename(entry).replace(/\.[cm]?[jt]s$/, '');
  return base === 'handler' || base === 'index' ? basename(dirname(entry)) : base;
}
