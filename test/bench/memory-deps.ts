import type { TriageConfig } from '../../functions/domain/config';
import type { TemplateRegistry } from '../../functions/domain/templates';
import type { AttachmentStore, RawMailStore } from '../../functions/ports';
import { inboundUseCase } from '../support/inbound';
import { MemoryMailer, MemoryRawMailStore, MemoryTicketRepository } from '../support/in-memory';

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
  const useCase = inboundUseCase({
    config: container.config,
    templates: container.templates,
    store: rawStore ?? store,
    repository,
    mailer,
    ...(attachments ? { attachments } : {}),
  });
  return { useCase, store, repository, mailer };
}
