import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { parseConfig } from '../../lib/config/schema';
import { loadConfigFile } from '../../lib/config/load';
import { Observability } from '../../lib/constructs/observability';
import { METRIC, SUPPRESSION_REASONS } from '../../functions/shared/metric-names';
import {
  outcomeMetrics,
  suppressionReason,
  timerMetrics,
  type OutcomeFacts,
} from '../../functions/shared/observability';
import type { ObjectOutcome } from '../../functions/ports';
import { CONFIG_PATH } from '../support/fixtures';
import { build, logicalIdIn } from '../support/cdk-stack';

const { stack, template } = build();
const topicId = logicalIdIn(stack, stack.observability.topic);
const alarms = () => Object.entries(template.findResources('AWS::CloudWatch::Alarm')) as [string, any][];

/** The dashboard body with tokens flattened to `@<logical id>` (it is a Fn::Join of strings and refs). */
function dashboardBody(): string {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
  const body = dashboard.Properties.DashboardBody;
  if (typeof body === 'string') return body;
  return (body['Fn::Join'][1] as unknown[])
    .map((p: any) => (typeof p === 'string' ? p : `@${p.Ref ?? p['Fn::GetAtt']?.[0] ?? JSON.stringify(p)}`))
    .join('');
}

describe('alarm topic', () => {
  it('is encrypted with a rotated customer managed key that CloudWatch may use', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it("refuses requests without TLS and lets only this account's alarms publish", () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('has no subscription unless the config names alert addresses, then one e-mail subscription each', () => {
    const onTopic = (t: Template, id: string) =>
      Object.values(t.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: { Ref: id } } })) as any[];
    expect(onTopic(template, topicId)).toEqual([]);
    // config -> construct: the field is parsed (lower-cased, validated) and handed over as is
    const cfg = parseConfig({
      ...parse(readFileSync(CONFIG_PATH, 'utf8')),
      alerts: { emails: ['Ops@Example.com', 'oncall@example.com'] },
    });
    expect(cfg.alerts.emails).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(loadConfigFile(CONFIG_PATH).alerts).toEqual({ emails: [] });
    const bare = new Stack(new App());
    const observability = new Observability(bare, 'Observability', { alarmEmails: cfg.alerts.emails });
    const subscriptions = onTopic(Template.fromStack(bare), logicalIdIn(bare, observability.topic));
    expect(subscriptions.map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([
      ['email', 'ops@example.com'],
      ['email', 'oncall@example.com'],
    ]);
  });
});

describe('alarms', () => {
  it('are at least three, and every one notifies the topic on alarm and on recovery', () => {
    expect(alarms().length).toBeGreaterThanOrEqual(3);
    for (const [id, alarm] of alarms()) {
      expect({ id, actions: alarm.Properties.AlarmActions }).toEqual({ id, actions: [{ Ref: topicId }] });
      expect({ id, ok: alarm.Properties.OKActions }).toEqual({ id, ok: [{ Ref: topicId }] });
      expect(alarm.Properties.AlarmDescription.length).toBeGreaterThan(40);
    }
  });

  it('watch the inbound dead-letter queue', () => {
    const queueId = logicalIdIn(stack, stack.inboundFunction.failureQueue!.queue);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
  });

  it('watch errors and throttles of every function, and failed timers', () => {
    for (const fn of [stack.inboundFunction, stack.timerFunction, stack.feedback.feedbackFunction]) {
      const fnId = logicalIdIn(stack, fn.fn);
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
          Statistic: 'Sum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
      }
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Threshold: 0,
    });
  });

  it('fire on SLA breaches above a threshold per hour', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'EmailTriage',
      MetricName: METRIC.slaBreached,
      Dimensions: [{ Name: 'service', Value: 'timer' }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('fire before SES pauses sending: bounce rate at 5 %, complaint rate at 0.1 %', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.001,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
});

describe('dashboard', () => {
  const body = dashboardBody();

  it('exists once and graphs every metric the functions emit', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    for (const name of Object.values(METRIC))
      expect({ name, shown: body.includes(`"${name}"`) || body.includes(`MetricName=\\"${name}\\"`) }).toEqual({
        name,
        shown: true,
      });
  });

  it('graphs the functions, the dead-letter queue and SES reputation, and shows the status of every alarm', () => {
    for (const metric of [
      '"Errors"',
      '"Throttles"',
      '"Duration"',
      '"ApproximateNumberOfMessagesVisible"',
      '"Reputation.BounceRate"',
      '"Reputation.ComplaintRate"',
    ])
      expect(body).toContain(metric);
    expect(body).toContain('"type":"alarm"');
    for (const [id] of alarms()) expect(body).toContain(`@${id}`);
  });
});

describe('stack outputs for operators and the CLI', () => {
  it('publish the inbound function, the departments, the alarm topic and the dashboard', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.InboundFunctionName.Value).toEqual({ Ref: logicalIdIn(stack, stack.inboundFunction.fn) });
    expect(outputs.DepartmentNames.Value).toBe('billing,support,sales,triage');
    expect(outputs.AlarmTopicArn.Value).toEqual({ Ref: topicId });
    expect(outputs.DashboardName.Value).toEqual({ Ref: expect.any(String) });
    expect(outputs.InboundDeadLetterQueueUrl).toBeDefined();
  });
});

describe('what the functions emit for an outcome', () => {
  const base: ObjectOutcome = {
    key: 'inbound/billing@example.com/1',
    outcome: 'created',
    reason: 'address',
    at: '2026-11-23T10:00:00Z',
    ticketId: 'BIL-1001',
    department: 'billing',
  };
  const names = (o: Partial<ObjectOutcome> & OutcomeFacts) =>
    outcomeMetrics({ ...base, ...o }).map((p) =>
      p.dimensions ? `${p.name}{${Object.values(p.dimensions).join(',')}}` : p.name,
    );

  it('counts mail in, acks, duplicates, refusals and relays from the outcome alone', () => {
    expect(names({})).toEqual(['mails_received', 'acks_sent']);
    expect(names({ outcome: 'duplicate' })).toEqual(['mails_received', 'duplicates_dropped']);
    expect(names({ outcome: 'rejected' })).toEqual(['mails_received', 'refusals']);
    expect(names({ outcome: 'relayed' })).toEqual(['mails_received', 'relays']);
    expect(names({ outcome: 'appended' })).toEqual(['mails_received']);
  });

  it('names why an ack was suppressed with a small fixed set of reasons', () => {
    expect(
      names({
        outcome: 'suppressed',
        reason: 'machine mail (auto-submitted: Auto-Submitted: auto-replied); stored, not answered',
      }),
    ).toEqual(['mails_received', 'acks_suppressed{auto-submitted}']);
    expect(
      names({
        outcome: 'suppressed',
        reason: 'machine mail about BIL-1001 (mailing-list: list-id: x); stored on the ticket, not answered',
      }),
    ).toEqual(['mails_received', 'acks_suppressed{mailing-list}']);
    expect(names({ outcome: 'suppressed', reason: 'machine mail (x-autoreply: yes)' })).toEqual([
      'mails_received',
      'acks_suppressed{auto-reply-header}',
    ]);
    expect(names({ outcome: 'suppressed', reason: 'held', quarantined: true })).toEqual([
      'mails_received',
      'acks_suppressed{quarantine}',
    ]);
    expect(names({ outcome: 'suppressed', reason: 'whatever' })).toEqual(['mails_received', 'acks_suppressed{other}']);
    // a ticket created without an ack because of a limit: from the reason today, from the facts once the use case gives them
    expect(
      names({
        outcome: 'created',
        reason: 'address billing@example.com; no acknowledgement: sender limit 3 per 10 minutes',
      }),
    ).toEqual(['mails_received', 'acks_suppressed{rate-limit}']);
    expect(names({ outcome: 'created', sent: ['agent-copy'], suppressedBy: 'sender-hourly-limit' })).toEqual([
      'mails_received',
      'acks_suppressed{rate-limit}',
    ]);
    for (const signal of [
      'auto-submitted',
      'own-mail',
      'report',
      'precedence',
      'null-sender',
      'machine-sender',
      'machine-subject',
      'x-failed-recipients',
      'quarantine',
      'rate-limit',
      'anything-new',
    ]) {
      expect(SUPPRESSION_REASONS).toContain(suppressionReason(signal));
    }
  });

  it('records first-response time and timer escalations (each an SLA breach)', () => {
    expect(
      outcomeMetrics({ ...base, outcome: 'relayed', firstResponseMinutes: 42 }).find(
        (p) => p.name === METRIC.firstResponseMinutes,
      ),
    ).toMatchObject({ value: 42, unit: 'None' });
    expect(timerMetrics({ step: 'escalate', acted: true, sent: true }).map((p) => p.name)).toEqual([
      'escalations',
      'sla_breached',
    ]);
    expect(timerMetrics({ step: 'escalate', acted: true, sent: false }).map((p) => p.name)).toEqual(['sla_breached']);
    expect(timerMetrics({ step: 'escalate', acted: false, sent: false })).toEqual([]);
    expect(timerMetrics({ step: 'warn', acted: true, sent: true }).map((p) => p.name)).toEqual(['due_warnings']);
    expect(timerMetrics({ step: 'follow-up', acted: true, sent: true }).map((p) => p.name)).toEqual(['follow_ups']);
    expect(timerMetrics({ step: 'auto-close', acted: true, sent: true }).map((p) => p.name)).toEqual(['auto_closed']);
  });
});
