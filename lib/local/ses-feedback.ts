import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SNSEvent } from 'aws-lambda';
import type { Activity } from './activity';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalResources } from './cfn';
import { headerValues, parseHeaders } from './mail-headers';
import type { OutboxEntry } from './outbox';

/**
 * SES feedback, locally: what SES and SNS do after a message was accepted. The routes are read from
 * the synthesised template like the S3 notifications are: each `AWS::SES::ConfigurationSetEventDestination`
 * (configuration set, matching event types, SNS topic) and each `AWS::SNS::Subscription` with the
 * `lambda` protocol on that topic. A bounce or complaint of a message sent with that configuration set
 * becomes the SES event-publishing JSON, wrapped in the SNS event Lambda receives, and is delivered
 * asynchronously (a short delay, then an asynchronous invocation: retries and the DLQ as for S3 events).
 *
 * What produces feedback:
 * - SES's mailbox simulator: mail to `bounce@simulator.amazonses.com` bounces (Permanent/General),
 *   `suppressionlist@simulator.amazonses.com` bounces (Permanent/OnAccountSuppressionList), and
 *   `complaint@simulator.amazonses.com` complains (abuse); `success@` and `ooto@` just deliver;
 * - the test hooks: {@link LocalSesFeedback.bounce} / {@link LocalSesFeedback.complain} for any address
 *   (about the last message sent to it), and {@link LocalSesFeedback.alwaysBounce} to make every future
 *   message to an address bounce, like a mailbox that no longer exists.
 */

export type FeedbackEventType = 'bounce' | 'complaint';

/** One event destination of a configuration set that reaches functions through SNS. */
export interface FeedbackRoute {
  configurationSet: string;
  /** lower-case SES event types (`bounce`, `complaint`, `delivery` ...) */
  events: string[];
  topicArn: string;
  /** logical ids of the functions subscribed to the topic */
  functionLogicalIds: string[];
}

/** Event destinations with an SNS topic, and the Lambda subscriptions of each topic, from the template. */
export function feedbackRoutes(resources: LocalResources, functionLogicalIds: string[]): FeedbackRoute[] {
  const byArn = new Map(functionLogicalIds.map((id) => [resources.arn(id), id]));
  const subscribers = new Map<string, string[]>();
  for (const id of resources.ofType('AWS::SNS::Subscription')) {
    const props = resources.resource(id).Properties ?? {};
    if (String(props.Protocol).toLowerCase() !== 'lambda') continue;
    const topic = String(resources.resolve(props.TopicArn));
    const fn = byArn.get(String(resources.resolve(props.Endpoint)));
    if (fn) subscribers.set(topic, [...(subscribers.get(topic) ?? []), fn]);
  }
  const routes: FeedbackRoute[] = [];
  for (const id of resources.ofType('AWS::SES::ConfigurationSetEventDestination')) {
    const props = resources.resource(id).Properties ?? {};
    const destination = (props.EventDestination ?? {}) as Record<string, unknown>;
    if (destination.Enabled === false) continue;
    const sns = destination.SnsDestination as { TopicARN?: unknown } | undefined;
    if (!sns?.TopicARN) continue;
    const topicArn = String(resources.resolve(sns.TopicARN));
    routes.push({
      configurationSet: String(resources.resolve(props.ConfigurationSetName)),
      events: ((destination.MatchingEventTypes as string[] | undefined) ?? []).map((e) => e.toLowerCase()),
      topicArn,
      functionLogicalIds: subscribers.get(topicArn) ?? [],
    });
  }
  return routes;
}

/** The addresses of SES's mailbox simulator that produce feedback. */
export const SIMULATOR: Record<string, FeedbackSpec> = {
  'bounce@simulator.amazonses.com': {
    kind: 'bounce',
    bounceType: 'Permanent',
    bounceSubType: 'General',
    status: '5.1.1',
    diagnosticCode: 'smtp; 550 5.1.1 user unknown',
  },
  'suppressionlist@simulator.amazonses.com': {
    kind: 'bounce',
    bounceType: 'Permanent',
    bounceSubType: 'OnAccountSuppressionList',
    status: '5.1.1',
    diagnosticCode:
      'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
  },
  'complaint@simulator.amazonses.com': { kind: 'complaint', complaintFeedbackType: 'abuse' },
};

/** What one notification says. */
export type FeedbackSpec =
  | {
      kind: 'bounce';
      bounceType?: 'Permanent' | 'Transient' | 'Undetermined';
      bounceSubType?: string;
      status?: string;
      diagnosticCode?: string;
    }
  | { kind: 'complaint'; complaintFeedbackType?: string };

export interface FeedbackDelivery {
  type: FeedbackEventType;
  address: string;
  sesMessageId: string;
  feedbackId: string;
  /** the SNS event handed to each subscribed function; none when no event destination matched */
  functions: string[];
}

export interface LocalSesFeedbackOptions {
  routes: FeedbackRoute[];
  /** asynchronous invocation of a function (retries, DLQ) */
  invokeAsync: (functionLogicalId: string, event: SNSEvent, label: string) => void;
  /** the outbox's messages, oldest first (to find the last message sent to an address) */
  listSent: () => OutboxEntry[];
  activity: Activity;
  log: (line: string) => void;
  /** delay between the send and the notification (SNS delivers within moments, never synchronously) */
  delayMs?: number;
}

/** The feedback side of the local SES: see the module comment. */
export class LocalSesFeedback {
  private readonly always = new Map<string, FeedbackSpec>();
  /** every notification delivered (or dropped for want of an event destination), oldest first */
  readonly delivered: FeedbackDelivery[] = [];

  constructor(private readonly options: LocalSesFeedbackOptions) {}

  /** Called for every message the SES emulator accepted. */
  onSent(entry: OutboxEntry): void {
    for (const address of entry.destinations) {
      const lower = address.toLowerCase();
      const spec = SIMULATOR[lower] ?? this.always.get(lower);
      if (spec) this.schedule(entry, lower, spec);
    }
  }

  /** Test hook: every future message to `address` bounces (Permanent/General unless told otherwise), until {@link clear}. */
  alwaysBounce(address: string, spec: Omit<Extract<FeedbackSpec, { kind: 'bounce' }>, 'kind'> = {}): void {
    this.always.set(address.toLowerCase(), { kind: 'bounce', ...spec });
  }

  /** Test hook: every future message to `address` draws a complaint, until {@link clear}. */
  alwaysComplain(address: string, complaintFeedbackType = 'abuse'): void {
    this.always.set(address.toLowerCase(), { kind: 'complaint', complaintFeedbackType });
  }

  /** Forgets what {@link alwaysBounce} / {@link alwaysComplain} set up (one address, or all). */
  clear(address?: string): void {
    if (address) this.always.delete(address.toLowerCase());
    else this.always.clear();
  }

  /**
   * Test hook: a bounce for `address` about the last message sent to it (or the message
   * `sesMessageId`). Resolves once the notification is scheduled; `whenIdle()` waits for its handling.
   * @throws when no message to that address is in the outbox
   */
  bounce(
    address: string,
    spec: Omit<Extract<FeedbackSpec, { kind: 'bounce' }>, 'kind'> & { sesMessageId?: string } = {},
  ): FeedbackDelivery {
    return this.schedule(this.sentTo(address, spec.sesMessageId), address.toLowerCase(), { kind: 'bounce', ...spec });
  }

  /** Test hook: a complaint by `address` about the last message sent to it (or the message `sesMessageId`). */
  complain(address: string, spec: { complaintFeedbackType?: string; sesMessageId?: string } = {}): FeedbackDelivery {
    return this.schedule(this.sentTo(address, spec.sesMessageId), address.toLowerCase(), {
      kind: 'complaint',
      ...spec,
    });
  }

  private sentTo(address: string, sesMessageId?: string): OutboxEntry {
    const lower = address.toLowerCase();
    const entry = this.options
      .listSent()
      .reverse()
      .find((e) =>
        sesMessageId ? e.sesMessageId === sesMessageId : e.destinations.some((d) => d.toLowerCase() === lower),
      );
    if (!entry)
      throw new Error(`no message ${sesMessageId ? `with SES id ${sesMessageId}` : `to ${address}`} in the outbox`);
    return entry;
  }

  private schedule(entry: OutboxEntry, address: string, spec: FeedbackSpec): FeedbackDelivery {
    const type: FeedbackEventType = spec.kind;
    const feedbackId = `${entry.sesMessageId.slice(0, 20)}-${randomUUID()}-000000`;
    const routes = this.options.routes.filter(
      (r) => r.configurationSet === entry.configurationSet && r.events.includes(type),
    );
    const functions = routes.flatMap((r) => r.functionLogicalIds);
    const delivery: FeedbackDelivery = { type, address, sesMessageId: entry.sesMessageId, feedbackId, functions };
    this.delivered.push(delivery);
    if (routes.length === 0) {
      this.options.log(
        `ses  ${type} of ${address} (${entry.sesMessageId}) not published: configuration set ${entry.configurationSet ?? '(none)'} has no ${type} event destination`,
      );
      return delivery;
    }
    const notification = sesNotification(entry, address, spec, feedbackId);
    const end = this.options.activity.begin();
    setTimeout(() => {
      try {
        for (const route of routes) {
          for (const fn of route.functionLogicalIds)
            this.options.invokeAsync(fn, snsEvent(route.topicArn, notification), `${type} ${address}`);
        }
        this.options.log(
          `ses  ${type} of ${address} (${entry.sesMessageId}) -> SNS ${routes.map((r) => r.topicArn.split(':').pop()).join(', ')}`,
        );
      } finally {
        end();
      }
    }, this.options.delayMs ?? 50);
    return delivery;
  }
}

/** The JSON SES event publishing writes for a bounce or complaint (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html). */
export function sesNotification(
  entry: OutboxEntry,
  address: string,
  spec: FeedbackSpec,
  feedbackId: string,
  now = new Date(),
): Record<string, unknown> {
  let fields: { name: string; value: string }[] = [];
  try {
    fields = parseHeaders(readFileSync(entry.emlFile));
  } catch {
    // the .eml may be gone (state reset): the notification is still sent, without headers
  }
  const first = (name: string) => headerValues(fields, name)[0];
  const list = (name: string) =>
    headerValues(fields, name).flatMap((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  const timestamp = now.toISOString();
  const mail = {
    timestamp: entry.sentAt,
    source: entry.source ?? '',
    sourceArn: `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/${(entry.source ?? '').split('@')[1] ?? 'localhost'}`,
    sendingAccountId: LOCAL_ACCOUNT,
    messageId: entry.sesMessageId,
    destination: entry.destinations,
    headersTruncated: false,
    headers: fields.map((f) => ({ name: f.name, value: f.value })),
    commonHeaders: { from: list('From'), to: list('To'), messageId: entry.messageId, subject: first('Subject') },
    tags: {
      'ses:configuration-set': entry.configurationSet ? [entry.configurationSet] : [],
      'ses:source-ip': ['127.0.0.1'],
      'ses:from-domain': [(entry.source ?? '').split('@')[1] ?? ''],
    },
  };
  if (spec.kind === 'bounce') {
    return {
      eventType: 'Bounce',
      bounce: {
        feedbackId,
        bounceType: spec.bounceType ?? 'Permanent',
        bounceSubType: spec.bounceSubType ?? 'General',
        bouncedRecipients: [
          {
            emailAddress: address,
            action: 'failed',
            status: spec.status ?? ((spec.bounceType ?? 'Permanent') === 'Permanent' ? '5.1.1' : '4.2.2'),
            diagnosticCode:
              spec.diagnosticCode ??
              ((spec.bounceType ?? 'Permanent') === 'Permanent'
                ? 'smtp; 550 5.1.1 user unknown'
                : 'smtp; 452 4.2.2 mailbox full'),
          },
        ],
        timestamp,
        reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
      },
      mail,
    };
  }
  return {
    eventType: 'Complaint',
    complaint: {
      feedbackId,
      complaintSubType: null,
      complainedRecipients: [{ emailAddress: address }],
      timestamp,
      userAgent: 'Amazon SES Mailbox Simulator',
      complaintFeedbackType: spec.complaintFeedbackType ?? 'abuse',
      arrivalDate: timestamp,
    },
    mail,
  };
}

/** The event SNS hands a subscribed Lambda function. */
export function snsEvent(topicArn: string, message: unknown): SNSEvent {
  const messageId = randomUUID();
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: new Date().toISOString(),
          Signature: 'LOCAL',
          SigningCertUrl: `https://sns.${LOCAL_REGION}.amazonaws.com/SimpleNotificationService-local.pem`,
          MessageId: messageId,
          Message: JSON.stringify(message),
          MessageAttributes: {},
          Type: 'Notification',
          UnsubscribeUrl: `https://sns.${LOCAL_REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
          TopicArn: topicArn,
          Subject: '',
        },
      },
    ],
  };
}
