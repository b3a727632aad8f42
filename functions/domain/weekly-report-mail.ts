import type { TriageConfig } from './config';
import { newMessageId } from './compose';
import type { OutgoingMail } from './outgoing';
import type { TemplateRegistry } from './templates';
import { table } from './text-table';
import { backlogRows, weeklyRows, type WeeklyReport } from './weekly-report';

/** The weekly report as a mail to the managers, from the general address, marked automatic. */
export function composeWeeklyReport(input: {
  cfg: TriageConfig;
  report: WeeklyReport;
  to: string[];
  templates: TemplateRegistry;
  messageIdSeed: string;
}): OutgoingMail {
  const { cfg, report, to, templates, messageIdSeed } = input;
  const main = weeklyRows(report);
  const backlog = backlogRows(report);
  const rendered = templates.render(
    'weekly-report',
    {
      company: cfg.companyName,
      from: report.week.from,
      to: report.week.to,
      generatedAt: report.generatedAt,
      backlogAsOf: report.backlogAsOf,
      newTickets: report.overall.newTickets,
      missed: report.overall.missedTarget,
      table: table(main.columns, main.rows),
      backlogTable: table(backlog.columns, backlog.rows),
      keywords: report.overall.topKeywords,
      missedTickets: report.missed,
    },
    { department: cfg.triageQueue },
  );
  return {
    kind: 'weekly-report',
    ticketId: '',
    from: { address: cfg.generalAddress, name: `${cfg.companyName} reports` },
    to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: newMessageId(cfg, messageIdSeed),
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  };
}
