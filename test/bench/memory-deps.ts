import { MailparserReader } from '../../functions/adapters/mailparser-reader';
import type { TriageConfig } from '../../functions/domain/config';
import type { TemplateRegistry } from '../../functions/domain/templates';
import type { AttachmentStore, RawMailStore } from '../../functions/ports';
import { ProcessInboundMail } from '../../functions/usecases/process-inbound-mail';
import { FixedSecret, MemoryAttachmentStore, MemoryAutoReplyLimiter, MemoryMailer, MemoryQuarantine, MemoryRawMailStore, MemoryTicketRepository, MemoryTimers } from '../support/in-memory';

/** What is made once per container in Lambda (config parse, template registry) and shared by every run here. */
export interface Container {
  config: TriageConfig;
  templates: TemplateRegistry;
}

/**
 * The inbound use case wired to the in-memory adapters of the unit tests: the same code path as the
 * Lambda handler minus the network. Fresh adapters per call (a new "account"), shared config and templates.
 * `rawStore` and `attachments` replace the in-memory raw mail and attachment stores (the 40 MB run
 * uses the real S3 adapters).
 */
export function memoryInbound(container: Container, rawStore?: RawMailStore, attachments?: AttachmentStore) {
  const store = new MemoryRawMailStore();
  const repository = new MemoryTicketRepository();
  const mailer = new MemoryMailer();
  const useCase = new ProcessInboundMail({
    config: container.config,
    templates: container.templates,
    store: rawStore ?? store,
    reader: new MailparserReader(),
    repository,
    mailer,
    timers: new MemoryTimers(),
    secrets: new FixedSecret(),
    limiter: new MemoryAutoReplyLimiter(container.config.autoReplyLimits),
    quarantine: new MemoryQuarantine(),
    attachments: attachments ?? new MemoryAttachmentStore(),
  });
  return { useCase, store, repository, mailer };
}
