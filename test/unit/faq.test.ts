import { confirmationIn, faqConfirmationOf } from '../../functions/domain/faq-confirmation';
import { matchFaq } from '../../functions/domain/faq';
import { mailText } from '../../functions/domain/matchers';
import { decideNewMail } from '../../functions/domain/triage-decision';
import type { Ticket } from '../../functions/domain/ticket';
import { MemoryAutoReplyLimiter } from '../support/in-memory';
import { exampleConfig } from '../support/fixtures';
import { inboundHarness, type InboundHarnessOptions } from '../support/inbound';
import { aTicket } from '../support/tickets';

const cfg = exampleConfig();
const LANGUAGES = ['de', 'en', 'es'];

describe('FAQ matching', () => {
  it.each([
    ['opening-hours', 'en', 'Opening hours', 'Hello, what are your opening hours on Friday?'],
    ['opening-hours', 'de', 'Frage', 'Guten Tag, wie sind Ihre Öffnungszeiten am Freitag?'],
    ['opening-hours', 'es', 'Pregunta', 'Hola, ¿cuál es su horario de atención los viernes?'],
    ['address', 'en', 'Sending a letter', 'What is your postal address?'],
    ['password-reset', 'en', 'Login', 'I forgot my password and cannot log in.'],
    ['password-reset', 'de', 'Anmeldung', 'Ich habe mein Passwort vergessen.'],
  ])('answers %s (%s)', (id, language, subject, body) => {
    const decided = decideNewMail(cfg, {
      recipient: 'help@example.com',
      sender: 'c@customer.example',
      subject,
      body,
      supportedLanguages: LANGUAGES,
    });
    expect(decided.faq).toMatchObject({ id });
    expect(decided.routing.faq).toBe(id);
    expect(decided.routing.reasons).toContainEqual(
      expect.stringMatching(new RegExp(`^automatic answer "${id}": .+; the acknowledgement carries its answer`)),
    );
    // the answer of the customer's language
    expect(decided.faq!.answer).toBe((cfg.faq.find((f) => f.id === id)!.answer as Record<string, string>)[language]);
  });

  it('keeps an entry to its departments: no password answer for a billing mail', () => {
    const text = mailText('Invoice', 'Also I forgot my password', 'en');
    expect(matchFaq(cfg, text, 'support', 'en')?.id).toBe('password-reset');
    expect(matchFaq(cfg, text, 'billing', 'en')).toBeUndefined();
  });

  it('answers nothing for an ordinary question, and never machine mail', () => {
    expect(
      decideNewMail(cfg, {
        recipient: 'help@example.com',
        subject: 'Refund',
        body: 'I was charged twice.',
        supportedLanguages: LANGUAGES,
      }).faq,
    ).toBeUndefined();
    expect(
      decideNewMail(cfg, {
        recipient: 'help@example.com',
        subject: 'Opening hours',
        body: 'What are your opening hours?',
        supportedLanguages: LANGUAGES,
        machine: true,
      }).faq,
    ).toBeUndefined();
  });

  it('takes the best score, the first entry on a tie, and refuses below minScore', () => {
    const two = {
      ...cfg,
      faq: [
        { id: 'a', keywords: [{ phrase: 'alpha', weight: 1 }], minScore: 1, answer: 'A' },
        {
          id: 'b',
          keywords: [
            { phrase: 'alpha', weight: 1 },
            { phrase: 'beta', weight: 1 },
          ],
          minScore: 2,
          answer: 'B',
        },
      ],
    };
    expect(matchFaq(two, mailText('alpha', ''), 'billing', 'en')?.id).toBe('a');
    expect(matchFaq(two, mailText('alpha', 'beta'), 'billing', 'en')?.id).toBe('b');
    expect(matchFaq({ ...two, faq: [two.faq[1]] }, mailText('alpha', ''), 'billing', 'en')).toBeUndefined();
  });
});

describe('confirmation of an automatic answer', () => {
  it.each([
    'Thanks, that solved it!',
    'Problem solved, thank you.',
    'Danke, das hat geholfen.',
    'Gracias, eso lo resolvió.',
    "Great, that's all I needed.\n\nOn Mon, 23 Nov 2026 Example Corp wrote:\n> You can set a new password yourself",
  ])('reads %j as a confirmation', (text) => expect(confirmationIn(text)).toBeDefined());

  it.each([
    'Thanks',
    'That did not help.',
    'That helped, but I still cannot log in.',
    'Thanks, that solved it. Can you also send me the invoice?',
    'Das hat nicht geholfen.',
    'Eso no lo resolvió.',
    `Thanks, that solved it. ${'Also, here is a long story about something else entirely. '.repeat(5)}`,
  ])('does not read %j as one', (text) => expect(confirmationIn(text)).toBeUndefined());

  const ticket = (over: Partial<Ticket>): Ticket =>
    aTicket({
      id: 'SUP-1',
      department: 'support',
      customer: 'c@x.example',
      customerName: '',
      participants: ['c@x.example'],
      subject: 's',
      createdAt: '',
      dueAt: '',
      autoAnswered: 'password-reset',
      needsReview: true,
      ...over,
    });

  it('closes only where the department opted in, before an agent answered', () => {
    expect(faqConfirmationOf(ticket({}), cfg, 'Thanks, that solved it')).toMatch(
      /confirmed the automatic answer "password-reset"/,
    );
    expect(faqConfirmationOf(ticket({ department: 'billing' }), cfg, 'Thanks, that solved it')).toBeUndefined();
    expect(
      faqConfirmationOf(ticket({ autoAnswered: undefined, needsReview: undefined }), cfg, 'Thanks, that solved it'),
    ).toBeUndefined();
    expect(
      faqConfirmationOf(ticket({ firstResponseAt: '2026-11-23T11:00:00Z' }), cfg, 'Thanks, that solved it'),
    ).toBeUndefined();
  });
});

describe('automatic answers and languages in the inbound flow', () => {
  const mail = (from: string, to: string, subject: string, body: string, id: string, extra = '') =>
    Buffer.from(
      `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${id}>\r\nDate: Mon, 23 Nov 2026 10:15:00 +0000\r\n${extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`,
    );

  function setup(overrides: InboundHarnessOptions = {}) {
    const { repository, mailer, deliverTo } = inboundHarness(overrides);
    return { repository, mailer, deliver: (to: string, raw: Buffer) => deliverTo(to, raw) };
  }

  it('acknowledges a German mail in German, with the date in German, and stores the language', async () => {
    const { repository, mailer, deliver } = setup();
    const outcome = await deliver(
      'billing@example.com',
      mail(
        'Max <max@kunde.example.de>',
        'billing@example.com',
        'Rechnung doppelt bezahlt',
        'Guten Tag, ich wurde für meine letzte Rechnung zweimal belastet. Können Sie mir den Betrag bitte zurückerstatten?',
        'de-1@kunde.example.de',
      ),
    );
    expect(repository.tickets.get(outcome.ticketId!)).toMatchObject({ language: 'de' });
    const ack = mailer.sent.find((m) => m.kind === 'ack')!;
    expect(ack.subject).toBe('[BIL-1001] Wir haben Ihre Nachricht erhalten: Rechnung doppelt bezahlt');
    expect(ack.text).toContain('spätestens am Dienstag, 24. November 2026 um 10:45 (Europe/London)'); // the promise: target plus the 1-hour margin
    expect(ack.html).toContain('<html lang="de">');
    const copy = mailer.sent.find((m) => m.kind === 'agent-copy')!;
    expect(copy.text).toContain('language de detected');
  });

  it("carries the FAQ answer in the ack, flags the ticket for review, tells the agents, and closes it on the customer's confirmation", async () => {
    const { repository, mailer, deliver } = setup();
    const outcome = await deliver(
      'support@example.com',
      mail(
        'Ann <ann@customer.example>',
        'support@example.com',
        'Password',
        'Hello, I forgot my password. What can I do?',
        'faq-1@customer.example',
      ),
    );
    const ticket = repository.tickets.get(outcome.ticketId!)!;
    expect(ticket).toMatchObject({ autoAnswered: 'password-reset', needsReview: true, status: 'open', language: 'en' });
    const ack = mailer.sent.find((m) => m.kind === 'ack')!;
    expect(ack.text).toContain(
      'This may already answer your question:\n\nYou can set a new password yourself: open https://app.example.com/reset',
    );
    expect(ack.html).toContain('You can set a new password yourself');
    const copy = mailer.sent.find((m) => m.kind === 'agent-copy')!;
    expect(copy.text).toContain(
      'NEEDS REVIEW: an automatic answer (FAQ "password-reset") was sent with the acknowledgement; confirm or correct it.',
    );

    const confirmed = await deliver(
      'support@example.com',
      mail(
        'Ann <ann@customer.example>',
        'support@example.com',
        `Re: ${ack.subject}`,
        'Thanks, that solved it!\n\nOn Mon, 23 Nov 2026, Example Corp wrote:\n> You can set a new password yourself',
        'faq-2@customer.example',
        `In-Reply-To: ${ack.messageId}\r\n`,
      ),
    );
    expect(confirmed).toMatchObject({
      outcome: 'appended',
      ticketId: ticket.id,
      reason: expect.stringMatching(/confirmed the automatic answer "password-reset" \("that solved it"\); closed/),
    });
    expect(repository.tickets.get(ticket.id)).toMatchObject({
      status: 'closed',
      needsReview: false,
      closedAt: '2026-11-23T10:15:03.000Z',
    });
  });

  it('keeps the ticket open where the department did not opt in', async () => {
    const { repository, mailer, deliver } = setup();
    const outcome = await deliver(
      'billing@example.com',
      mail(
        'Bo <bo@customer.example>',
        'billing@example.com',
        'Opening hours',
        'What are your opening hours?',
        'faq-3@customer.example',
      ),
    );
    expect(repository.tickets.get(outcome.ticketId!)).toMatchObject({
      autoAnswered: 'opening-hours',
      needsReview: true,
    });
    const ack = mailer.sent.find((m) => m.kind === 'ack')!;
    await deliver(
      'billing@example.com',
      mail(
        'Bo <bo@customer.example>',
        'billing@example.com',
        `Re: ${ack.subject}`,
        'Thanks, that solved it',
        'faq-4@customer.example',
        `In-Reply-To: ${ack.messageId}\r\n`,
      ),
    );
    expect(repository.tickets.get(outcome.ticketId!)).toMatchObject({ status: 'open', needsReview: true });
  });

  it('flags nothing for review when the acknowledgement (and so the answer) was not sent', async () => {
    const { repository, mailer, deliver } = setup({
      limiter: new MemoryAutoReplyLimiter({ perSender: [{ minutes: 10, max: 0 }], global: { minutes: 60, max: 100 } }),
    });
    const outcome = await deliver(
      'billing@example.com',
      mail(
        'Cy <cy@customer.example>',
        'billing@example.com',
        'Opening hours',
        'What are your opening hours?',
        'faq-5@customer.example',
      ),
    );
    expect(outcome.reason).toMatch(/no acknowledgement/);
    expect(mailer.sent.map((m) => m.kind)).toEqual(['agent-copy']);
    expect(repository.tickets.get(outcome.ticketId!)!.autoAnswered).toBeUndefined();
    expect(repository.tickets.get(outcome.ticketId!)!.needsReview).toBeUndefined();
    expect(mailer.sent[0].text).not.toContain('NEEDS REVIEW');
  });
});
