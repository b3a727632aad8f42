import type { Context } from 'aws-lambda';
import { suppressingMailer } from '../shared/mailer';
import { ticketRepository } from '../shared/tables';
import { deployment } from '../shared/deployment';
import { invocationLogger } from '../shared/observability';
import { RunWeeklyReport, type WeeklyReportRequest, type WeeklyReportResult } from '../usecases/run-weekly-report';

let useCase: RunWeeklyReport | undefined;

function runWeeklyReport(): RunWeeklyReport {
  if (useCase) return useCase;
  const { config, templates } = deployment();
  useCase = new RunWeeklyReport({
    config,
    templates,
    repository: ticketRepository(config),
    mailer: suppressingMailer(),
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
