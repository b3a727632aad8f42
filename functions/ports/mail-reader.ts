import type { InboundMail } from '../domain/mail';

/** Turns raw bytes into the domain's view of a mail. Never throws for bad mail: it returns what it could read. */
export interface MailReader {
  read(raw: Buffer): Promise<InboundMail>;
}
