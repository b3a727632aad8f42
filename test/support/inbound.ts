import { MailparserReader } from '../../functions/adapters/mailparser-reader';
import { ProcessInboundMail, type InboundDependencies } from '../../functions/usecases/process-inbound-mail';
import { exampleConfig, exampleTemplates } from './fixtures';
import { FixedSecret, MemoryAttachmentStore, MemoryCustomerDirectory, MemoryAutoReplyLimiter, MemoryDeliveryLedger, MemoryMailer, MemoryQuarantine, MemoryRawMailStore, MemoryTicketRepository, MemoryTimers } from './in-memory';

/**
 * The inbound use case wired to the in-memory adapters (the shipped config and templates, the real
 * mail reader): the Lambda handler's composition minus the network. Pass any dependency to replace
 * the default; keep your own reference to it to look inside.
 */
export function inboundUseCase(overrides: Partial<InboundDependencies> = {}): ProcessInboundMail {
  const config = overrides.config ?? exampleConfig();
  return new ProcessInboundMail({
    config,
    // only when not given: the shipped templates are read and compiled from disk (the bench makes a use case per round)
    templates: overrides.templates ?? exampleTemplates(),
    store: new MemoryRawMailStore(),
    reader: new MailparserReader(),
    repository: new MemoryTicketRepository(),
    ledger: new MemoryDeliveryLedger(),
    mailer: new MemoryMailer(),
    timers: new MemoryTimers(),
    secrets: new FixedSecret(),
    limiter: new MemoryAutoReplyLimiter(config.autoReplyLimits),
    quarantine: new MemoryQuarantine(),
    attachments: new MemoryAttachmentStore(),
    customers: new MemoryCustomerDirectory(),
    ...overrides,
  });
}
