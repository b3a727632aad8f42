import type { OutgoingMail, SentMail } from '../domain/outgoing';
import type { Mailer } from '../ports';
import type { SuppressionList } from '../ports/suppression-list';

/**
 * A Mailer in front of any other: recipients on the suppression list (hard bounces, complaints,
 * repeated soft bounces) are taken off the mail before it is sent. When nobody is left, nothing is
 * sent: the result has an empty `sesMessageId`, our own proposed Message-ID as `deliveredMessageId`
 * (nobody ever sees it) and every recipient in `suppressed`. When some are left, the mail goes to
 * them and `suppressed` names the others. A failing look-up fails the send (the caller retries):
 * mail is never sent to an address we could not check.
 */
export class SuppressingMailer implements Mailer {
  constructor(
    private readonly inner: Mailer,
    private readonly list: Pick<SuppressionList, 'find'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Look-ups already made for a mail object (by `screen`), so `send` does not repeat them. */
  private readonly screened = new WeakMap<OutgoingMail, Awaited<ReturnType<SuppressionList['find']>>>();

  async screen(mail: OutgoingMail): Promise<void> {
    this.screened.set(mail, await this.list.find([...mail.to, ...(mail.cc ?? [])], this.now()));
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    const cc = mail.cc ?? [];
    const hits = this.screened.get(mail) ?? (await this.list.find([...mail.to, ...cc], this.now()));
    if (hits.length === 0) return this.inner.send(mail);
    const blocked = new Set(hits.map((h) => h.address.toLowerCase()));
    const keep = (address: string) => !blocked.has(address.trim().toLowerCase());
    const suppressed = [...new Set([...mail.to, ...cc].filter((a) => !keep(a)))];
    const to = mail.to.filter(keep);
    const keptCc = cc.filter(keep);
    if (to.length === 0 && keptCc.length === 0)
      return { sesMessageId: '', deliveredMessageId: mail.messageId, suppressed };
    const sent = await this.inner.send({ ...mail, to, ...(mail.cc ? { cc: keptCc } : {}) });
    return { ...sent, suppressed };
  }
}
