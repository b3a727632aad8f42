/**
 * Routing that explains itself, automatic answers and languages, as an operator and a customer meet
 * them: the dry run `triage route` on a saved mail (no stack), and real SMTP into the local stack
 * (a German mail gets the German acknowledgement; an FAQ question gets its answer) read back from
 * the outbox and `triage show`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { jsonLines, triage } from '../support/cli';
import { FIXTURES, ROOT } from '../support/fixtures';
import { FREE_PORTS } from '../support/local-mail';

jest.setTimeout(120_000);

interface OutboxLine {
  to: string[];
  from: string;
  subject: string;
  headers: Record<string, string>;
  text: string;
}

describe('triage route (dry run)', () => {
  const nowhere = join(tmpdir(), 'triage-route-no-stack'); // TRIAGE_HOME that does not exist: nothing may be touched

  it('places the refund mail sent to help@example.com in billing and says why', async () => {
    const result = await triage(nowhere, ['route', join(FIXTURES, 'refund-to-help.eml')]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^department\s+billing$/m);
    expect(result.stdout).toMatch(/^priority\s+normal$/m);
    expect(result.stdout).toMatch(/^language\s+en$/m);
    expect(result.stdout).toContain(
      'reasons:\n  - keywords refund (subject), invoice (subject), charged (body), payment (body) placed it in billing (score 14)\n',
    );
  });

  it('gives department, priority, language, faq and reasons as JSON', async () => {
    const result = await triage(nowhere, ['route', join(FIXTURES, 'refund-to-help.eml'), '--json']);
    const [line] = jsonLines(result.stdout);
    expect(line).toMatchObject({
      recipient: 'help@example.com',
      outcome: 'ticket',
      department: 'billing',
      priority: 'normal',
      language: 'en',
      faq: null,
      rule: 'keywords',
    });
    expect(line.reasons).toEqual([
      'keywords refund (subject), invoice (subject), charged (body), payment (body) placed it in billing (score 14)',
      'priority normal: no priority rule matched',
      'language en detected',
    ]);
  });

  it('names the routing rule and the priority rules that decided, and the recipient given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'triage-route-'));
    try {
      const file = join(dir, 'cve.eml');
      writeFileSync(
        file,
        'From: Sam <sam@bigcustomer.example.net>\r\nTo: billing@example.com\r\nSubject: URGENT: CVE-2026-12345 in your login page\r\nMessage-ID: <cve-1@bigcustomer.example.net>\r\n\r\nWe found a problem in your login page; details attached to our report.\r\n',
      );
      const [line] = jsonLines((await triage(nowhere, ['route', file, '--json'])).stdout);
      expect(line).toMatchObject({
        recipient: 'billing@example.com',
        department: 'support',
        rule: 'rule',
        ruleName: 'security-reports',
        priority: 'urgent',
      });
      expect(line.reasons).toEqual([
        'rule "security-reports" placed it in support: /\\bCVE-\\d{4}-\\d{4,}\\b/ (subject)',
        'priority urgent: rule "security-reports" (urgent: /\\bCVE-\\d{4}-\\d{4,}\\b/ (subject)); rule "urgent-words" (urgent: urgent (subject)); rule "vip-customers" (high: sender domain bigcustomer.example.net)',
        expect.stringMatching(/^language/),
      ]);
      const given = await triage(nowhere, [
        'route',
        join(FIXTURES, 'refund-to-help.eml'),
        '--to',
        'sales@example.com',
        '--json',
      ]);
      expect(jsonLines(given.stdout)[0]).toMatchObject({
        recipient: 'sales@example.com',
        department: 'sales',
        rule: 'address',
        reasons: expect.arrayContaining(['sent to sales@example.com, an address of sales']),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says that machine mail is not answered', async () => {
    const ooo = await triage(nowhere, ['route', join(FIXTURES, 'out-of-office.eml'), '--json']);
    expect(jsonLines(ooo.stdout)[0]).toMatchObject({
      outcome: 'suppressed',
      faq: null,
      reasons: expect.arrayContaining([
        expect.stringMatching(/^machine mail \(auto-submitted: .*\): stored, not answered, no ticket$/),
      ]),
    });
  });

  it('answers a missing file and a broken config with one clear line', async () => {
    const missing = await triage(nowhere, ['route', join(FIXTURES, 'nope.eml')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^triage: .*nope\.eml/);
    const dir = mkdtempSync(join(tmpdir(), 'triage-route-'));
    try {
      const config = join(dir, 'bad.yaml');
      writeFileSync(
        config,
        readFileSync(join(ROOT, 'triage.config.yaml'), 'utf8').replace(
          'subject: [{ regex: "\\\\bINV-\\\\d{4,}\\\\b" }]',
          'subject: [{ regex: "INV-(" }]',
        ),
      );
      const broken = await triage(nowhere, ['route', join(FIXTURES, 'refund-to-help.eml'), '--config', config]);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(
        /routing\.rules\[1\]\.subject\[0\]\.regex: expected a valid regular expression, got "INV-\(": .*Unterminated group/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('languages and automatic answers through the local stack', () => {
  let home: string;
  let stack: LocalStack;
  let smtp: Transporter;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'triage-e2e-lang-'));
    stack = await startLocalStack({ stateDir: home, ports: FREE_PORTS, timeScale: 1_000_000, log: () => undefined });
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true });
  });

  afterAll(async () => {
    smtp?.close();
    await stack?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const outbox = async () => jsonLines<OutboxLine>((await triage(home, ['outbox', '--json'])).stdout);

  it('acknowledges a German mail with the German acknowledgement', async () => {
    await smtp.sendMail({
      from: '"Max Mustermann" <max@kunde.example.de>',
      to: 'help@example.com',
      subject: 'Rechnung doppelt abgebucht',
      text: 'Guten Tag,\n\nmir wurde die letzte Rechnung zweimal abgebucht. Können Sie mir den Betrag bitte zurückerstatten?\n\nMit freundlichen Grüßen\nMax Mustermann',
      messageId: '<e2e-de-1@kunde.example.de>',
    });
    await stack.whenIdle();
    const ack = (await outbox()).find((m) => m.to.includes('max@kunde.example.de'))!;
    expect(ack.subject).toBe('[BIL-1001] Wir haben Ihre Nachricht erhalten: Rechnung doppelt abgebucht');
    expect(ack.text).toContain(
      'vielen Dank für Ihre Nachricht an Example Corp Billing. Ihre Nachricht hat die Ticketnummer BIL-1001.',
    );
    // any weekday (Mittwoch has no -tag) and month (März), in German word order
    expect(ack.text).toMatch(
      /spätestens am (Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d{1,2}\. \p{L}+ 20\d\d um \d\d:\d\d \(Europe\/London\)/u,
    );

    const shown = await triage(home, ['show', 'BIL-1001']);
    expect(shown.stdout).toMatch(/^language\s+de$/m);
    expect(shown.stdout).toContain(
      'routing: keywords -> billing: keywords rechnung (subject, de), abgebucht (subject, de)',
    );
    expect(shown.stdout).toContain('language de detected');
    expect(shown.stdout).toContain('priority normal: no priority rule matched');
  });

  it('answers a Spanish question about opening hours in the ack and flags the ticket for review', async () => {
    await smtp.sendMail({
      from: 'lucia@cliente.example.es',
      to: 'help@example.com',
      subject: 'Horario',
      text: 'Hola, ¿cuál es su horario de atención los sábados? Quisiera pasar por la oficina.\n\nGracias,\nLucía',
      messageId: '<e2e-es-1@cliente.example.es>',
    });
    await stack.whenIdle();
    const ack = (await outbox()).find((m) => m.to.includes('lucia@cliente.example.es'))!;
    expect(ack.subject).toMatch(/^\[TRI-1001\] Hemos recibido su mensaje: Horario$/);
    expect(ack.text).toContain(
      'Quizá esto ya responda a su pregunta:\n\nNuestro equipo de Customer service trabaja de lunes a viernes',
    );
    const shown = JSON.parse((await triage(home, ['show', 'TRI-1001', '--json'])).stdout);
    expect(shown).toMatchObject({ language: 'es', autoAnswered: 'opening-hours', needsReview: true, status: 'open' });
    expect(shown.messages[0].routing).toMatchObject({
      faq: 'opening-hours',
      language: 'es',
      reasons: expect.arrayContaining([expect.stringMatching(/^automatic answer "opening-hours": horario/)]),
    });
    const copy = (await outbox()).find(
      (m) => m.to.includes('tess@agents.example.com') && m.subject.includes('TRI-1001'),
    )!;
    expect(copy.text).toContain('NEEDS REVIEW: an automatic answer (FAQ "opening-hours") was sent');
  });
});
