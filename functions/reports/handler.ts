import type { Context } from 'aws-lambda';
import { DynamoSuppressionList } from '../adapters/dynamo-suppression-list';
import { DynamoTicketRepository } from '../adapters/dynamo-ticket-repository';
import { SesMailer } from '../adapters/ses-mailer';
import { SuppressingMailer } from '../adapters/suppressing-mailer';
import { clients, region } from '../shared/clients';
import { deployment } from '../shared/deployment';
import { requireEnv } from '../shared/env';
import { invocationLogger } from '../shared/observability';
import { RunWeeklyReport, type WeeklyReportRequest, type WeeklyReportResult } from '../usecases/run-weekly-report';

let useCase: RunWeeklyReport | undefined;

function runWeeklyReport(): RunWeeklyReport {
  if (useCase) return useCase;
  const { config, templates } = deployment();
  const table = requireEnv('TICKETS_TABLE');
  useCase = new RunWeeklyReport({
    config,
    templates,
    repository: new DynamoTicketRepository(
      clients.dynamo(),
      table,
      config.departments.map((d) => d.name),
    ),
    mailer: new SuppressingMailer(
      new SesMailer(clients.ses(), process.env.SES_CONFIGURATION_SET, region()),
      new DynamoSuppressionList(clients.dynamo(), table),
    ),
  });
  return useCase;
}

/**
 * The weekly report. The EventBridge rule passes `{ "send": true }` (the week that ended yesterday,
 * mailed to the managers); `triage report --week` invokes it with `{ ending?, send? }` and prints
 * what it returns. Errors propagate (the rule's asynchronous invocation retries, then dead-letters).
 */
export async function handler(
  event: WeeklyReportRequest | null | undefined,
  context?: Context,
): Promise<WeeklyReportResult> {
  const log = invocationLogger(context);
  const request: WeeklyReportRequest = {
    ending: typeof event?.ending === 'string' ? event.ending : undefined,
    send: event?.send === true,
  };
  const result = await runWeeklyReport().execute(request);
  const { week, overall } = result.report;
  log.info('weekly report', {
    week: `${week.from}..${week.to}`,
    newTickets: overall.newTickets,
    missedTarget: overall.missedTarget,
    sentTo: result.sent?.to,
    notSent: result.notSent,
  });
  return result;
}
