import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectMachineMail } from '../../functions/domain/gate';
import type { InboundMail } from '../../functions/domain/mail';
import { MailparserReader } from '../../functions/adapters/mailparser-reader';
import { FIXTURES } from '../support/fixtures';

const reader = new MailparserReader();
const own = (a: string) => a === 'billing@example.com';

async function mailWith(headers: string, body = 'Hello'): Promise<InboundMail> {
  const raw = `From: Jane <jane@customer.example.org>\r\nTo: billing@example.com\r\nSubject: Question\r\nMessage-ID: <q1@customer.example.org>\r\n${headers}\r\n${body}\r\n`;
  return reader.read(Buffer.from(raw));
}

describe('machine-mail gate', () => {
  it('lets a person through', async () => {
    expect(detectMachineMail(await mailWith(''), own)).toBeUndefined();
    expect(detectMachineMail(await mailWith('Auto-Submitted: no\r\n'), own)).toBeUndefined();
    expect(
      detectMachineMail(await reader.read(readFileSync(join(FIXTURES, 'refund-to-help.eml'))), own),
    ).toBeUndefined();
  });

  it.each([
    ['Auto-Submitted: auto-replied\r\n', 'auto-submitted'],
    ['Auto-Submitted: auto-generated\r\n', 'auto-submitted'],
    ['Precedence: bulk\r\n', 'precedence'],
    ['Precedence: junk\r\n', 'precedence'],
    ['Precedence: list\r\n', 'precedence'],
    ['List-Id: <news.example.org>\r\n', 'mailing-list'],
    ['List-Unsubscribe: <mailto:u@example.org>\r\n', 'mailing-list'],
    ['X-Autoreply: yes\r\n', 'x-autoreply'],
    ['X-Autorespond: yes\r\n', 'x-autorespond'],
    ['X-Auto-Response-Suppress: All\r\n', 'x-auto-response-suppress'],
    ['Return-Path: <>\r\n', 'null-sender'],
    ['Return-Path: <MAILER-DAEMON@mx.example.org>\r\n', 'machine-sender'],
    ['Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n', 'report'],
    ['Content-Type: multipart/report; report-type=feedback-report; boundary=x\r\n', 'report'],
    ['X-Triage-Ticket: BIL-1001\r\n', 'own-mail'],
  ])('recognises %j', async (header, signal) => {
    expect(detectMachineMail(await mailWith(header), own)?.signal).toBe(signal);
  });

  it.each([
    'mailer-daemon@mx.example.org',
    'postmaster@example.net',
    'noreply@shop.example',
    'no-reply@shop.example',
    'do-not-reply@shop.example',
  ])('recognises the sender %s', async (sender) => {
    const mail = await reader.read(
      Buffer.from(`From: ${sender}\r\nTo: billing@example.com\r\nSubject: hi\r\n\r\nx\r\n`),
    );
    expect(detectMachineMail(mail, own)?.signal).toBe('machine-sender');
  });

  it('recognises our own mail coming back by its sender', async () => {
    const mail = await reader.read(
      Buffer.from(
        'From: Example Corp Billing <billing@example.com>\r\nTo: billing@example.com\r\nSubject: [BIL-1001] We have your message\r\n\r\nx\r\n',
      ),
    );
    expect(detectMachineMail(mail, own)).toEqual({ signal: 'own-mail', evidence: 'From: billing@example.com' });
  });

  it('recognises bounce and auto-reply subjects but not a person asking about office hours', async () => {
    const bySubject = async (subject: string) =>
      detectMachineMail(
        await reader.read(Buffer.from(`From: x@customer.example.org\r\nSubject: ${subject}\r\n\r\nx\r\n`)),
        own,
      )?.signal;
    expect(await bySubject('Undeliverable: Your invoice')).toBe('machine-subject');
    expect(await bySubject('Fwd: Returned mail: see transcript for details')).toBe('machine-subject');
    expect(await bySubject('Automatic reply: [BIL-1001] We have your message')).toBe('machine-subject');
    expect(await bySubject('Out of Office: meeting')).toBe('machine-subject');
    expect(await bySubject('Out of office hours support?')).toBeUndefined();
    expect(await bySubject('Delivery address for my order')).toBeUndefined();
  });
});
