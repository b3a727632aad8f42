import type { LocalResources } from './cfn';

/**
 * Which S3 ObjectCreated events invoke which function, read from the template's
 * `Custom::S3BucketNotifications` (what `bucket.addEventNotification(..., new LambdaDestination(fn),
 * {prefix})` synthesises). When the template has none for the raw mail bucket (for example if the
 * stack routes S3 events through a queue), TriageStack's rule applies: the inbound function, prefixes
 * `inbound/` and `replies/`.
 */
export interface S3Notification {
  id: string;
  bucket: string;
  functionLogicalId: string;
  events: string[];
  prefix: string;
  suffix: string;
}

export function s3Notifications(resources: LocalResources, functionLogicalIds: string[]): S3Notification[] {
  const byArn = new Map(functionLogicalIds.map((id) => [resources.arn(id), id]));
  const out: S3Notification[] = [];
  for (const id of resources.ofType('Custom::S3BucketNotifications')) {
    const props = resources.resource(id).Properties ?? {};
    const bucket = String(resources.resolve(props.BucketName));
    const configs = ((props.NotificationConfiguration as Record<string, unknown> | undefined)
      ?.LambdaFunctionConfigurations ?? []) as Record<string, unknown>[];
    configs.forEach((cfg, i) => {
      const fn = byArn.get(String(resources.resolve(cfg.LambdaFunctionArn)));
      if (!fn) return;
      const rules = (
        (cfg.Filter as { Key?: { FilterRules?: { Name: string; Value: string }[] } } | undefined)?.Key?.FilterRules ??
        []
      ).map((r) => ({
        name: r.Name.toLowerCase(),
        value: String(resources.resolve(r.Value)),
      }));
      out.push({
        id: `${id}-${i}`,
        bucket,
        functionLogicalId: fn,
        events: (cfg.Events as string[] | undefined) ?? ['s3:ObjectCreated:*'],
        prefix: rules.find((r) => r.name === 'prefix')?.value ?? '',
        suffix: rules.find((r) => r.name === 'suffix')?.value ?? '',
      });
    });
  }
  return out;
}

/** Whether an event (`ObjectCreated:Put`) for a key matches a notification. */
export function matches(n: S3Notification, bucket: string, eventName: string, key: string): boolean {
  if (n.bucket !== bucket || !key.startsWith(n.prefix) || !key.endsWith(n.suffix)) return false;
  const name = `s3:${eventName.replace(/^s3:/, '')}`;
  return n.events.some((e) => e === name || (e.endsWith(':*') && name.startsWith(e.slice(0, -1))));
}
