import { relative } from 'node:path';
import type { LocalStack } from './stack';

/** The text `npm start` prints once the stack is up: where to write, how to try it, where things are. */
export function banner(stack: LocalStack): string {
  const { config } = stack;
  const smtp = stack.endpoints.smtp;
  const rows: [string, string][] = [];
  for (const d of config.departments) {
    if (d.addresses.length === 0) continue;
    rows.push([
      d.addresses.join(', '),
      `${d.name} (${d.displayName ?? d.name}), agents: ${d.agents.join(', ')}; lead ${d.lead}`,
    ]);
  }
  const triage = config.departments.find((d) => d.name === config.triageQueue);
  rows.push([
    config.generalAddress,
    `general address: placed by keywords, otherwise ${config.triageQueue}${triage ? ` (agents: ${triage.agents.join(', ')})` : ''}`,
  ]);
  rows.push([`*@${config.replyDomain}`, 'reply domain: per-ticket reply addresses (agents answer the forwarded copy)']);
  const width = Math.min(48, Math.max(...rows.map(([a]) => a.length)));
  const example = config.departments.find((d) => d.addresses.length > 0);
  const to = example?.addresses[0] ?? config.generalAddress;
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r && !r.startsWith('..') ? r : p;
  };
  const port = smtp.split(':').pop();
  const scale =
    stack.timeScale === 1
      ? 'real time (use --time-scale 3600 to make an hour pass in a second)'
      : `x${stack.timeScale}: ${formatScale(stack.timeScale)}`;
  return [
    '',
    `Email triage, local stack (${config.companyName}, ${config.mailDomain}); no AWS account used`,
    '',
    'Write to:',
    ...rows.map(([a, b]) => `  ${a.padEnd(width)}  -> ${b}`),
    '',
    `SMTP in      ${smtp}  (no TLS, no auth needed)`,
    `Outbox       ${rel(stack.layout.outbox)}/  (every mail the functions send, exact bytes: .eml + .json)`,
    ...(stack.endpoints.web
      ? [`Web          ${stack.endpoints.web}  (the status page and survey: open the status link of an ack)`]
      : []),
    `Dead letters ${rel(stack.layout.dlq)}/`,
    `S3           ${stack.endpoints.s3}  bucket ${stack.bucketName}`,
    `DynamoDB     ${stack.endpoints.dynamodb}  table ${stack.tableName}`,
    `SES ${stack.endpoints.ses}  Secrets Manager ${stack.endpoints.secretsmanager}  Step Functions ${stack.endpoints.sfn}`,
    `Timers       ${scale}`,
    '',
    'Send a test mail:',
    `  swaks --server 127.0.0.1 --port ${port} --from customer@example.org --to ${to} \\`,
    `        --header 'Subject: I was charged twice' --body 'Hello, my invoice shows the same charge twice.'`,
    `Test verdicts: add a header such as 'X-Triage-Test-Verdicts: spam=FAIL; dkim=FAIL' to the mail.`,
    '',
  ].join('\n');
}

function formatScale(scale: number): string {
  const secondsPerRealSecond = scale;
  if (secondsPerRealSecond >= 86400) return `a day passes in ${(86400 / scale).toFixed(2)} s`;
  if (secondsPerRealSecond >= 3600) return `an hour passes in ${(3600 / scale).toFixed(2)} s`;
  return `a minute passes in ${(60 / scale).toFixed(2)} s`;
}
