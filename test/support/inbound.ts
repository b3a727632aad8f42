import { MailparserReader } from '../../functions/adapters/mailparser-reader';
import { ProcessInboundMail, type InboundDependencies } from '../../functions/usecases/process-inbound-mail';
import { exampleConfig, exampleTemplates } from './fixtures';
import {
  FixedSecret,
  MemoryAttachmentStore,
  MemoryCustomerDirectory,
  MemoryAutoReplyLimiter,
  MemoryDeliveryLedger,
  MemoryMailer,
  MemoryQuarantine,
  MemoryRawMailStore,
  MemoryTicketRepository,
  MemoryTimers,
} from './in-memory';

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

/** The in-memory adapters an {@link inboundHarness} makes and hands back, to look inside. */
type HarnessAdapters = 'store' | 'repository' | 'ledger' | 'mailer' | 'timers' | 'quarantine' | 'customers';

export interface InboundHarnessOptions extends Omit<Partial<InboundDependencies>, HarnessAdapters> {
  /** When each delivered object arrived. @default 2026-11-23T10:15:02Z */
  arrivedAt?: () => Date;
}

/**
 * The inbound use case on fresh in-memory adapters, with a `deliver` that stores a raw mail and
 * runs the use case on it (the S3 event of the Lambda handler). The clock defaults to one second
 * after the arrival.
 */
export function inboundHarness({
  arrivedAt = () => new Date('2026-11-23T10:15:02Z'),
  ...overrides
}: InboundHarnessOptions = {}) {
  const adapters = {
    store: new MemoryRawMailStore(),
    repository: new MemoryTicketRepository(),
    ledger: new MemoryDeliveryLedger(),
    mailer: new MemoryMailer(),
    timers: new MemoryTimers(),
    quarantine: new MemoryQuarantine(),
    customers: new MemoryCustomerDirectory(),
  };
  const config = overrides.config ?? exampleConfig();
  const useCase = inboundUseCase({ now: () => new Date('2026-11-23T10:15:03Z'), ...overrides, config, ...adapters });
  let n = 0;
  /** Stores `raw` under `key` and processes it. */
  const deliver = (key: string, raw: string | Buffer) => {
    adapters.store.objects.set(key, Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
    return useCase.execute({ key, arrivedAt: arrivedAt() });
  };
  /** Delivers a mail sent to `to`, under the key its receipt rule writes (`inbound/<to>/objN`, `replies/objN`). */
  const deliverTo = (
    to: string,
    raw: string | Buffer,
    key = to.endsWith(`@${config.replyDomain}`) ? `replies/obj${++n}` : `inbound/${to}/obj${++n}`,
  ) => deliver(key, raw);
  return { ...adapters, config, useCase, deliver, deliverTo };
}
