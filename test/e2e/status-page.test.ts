/**
 * The customer's status page and the satisfaction survey, end to end: a real mail over SMTP to the
 * local stack, the status link taken from the ack in the outbox, opened in headless Chromium (Debian's,
 * driven by playwright-core) with JavaScript off, served by the web handler through the local
 * function URL. What the browser shows is what is asserted.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { simpleParser } from 'mailparser';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { statusUrl, surveyUrls } from '../../functions/domain/web-links';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { FREE_PORTS, readSent, stackClients } from '../support/local-mail';

jest.setTimeout(180_000);

/** Debian's chromium package (`.ci/run` installs it). */
const CHROMIUM = process.env.TRIAGE_CHROMIUM ?? '/usr/bin/chromium';

describe('status page and survey in a real browser', () => {
  let home: string;
  let stack: LocalStack;
  let smtp: Transporter;
  let browser: Browser;
  let context: BrowserContext;
  let clients: ReturnType<typeof stackClients>;
  let key: string;
  let link: string;
  const cspViolations: string[] = [];

  const send = async (mail: SendMailOptions) => {
    await smtp.sendMail(mail);
    await stack.whenIdle();
  };
  /** Text of the last outbox message whose subject matches, and its Reply-To. */
  const sent = async (to: string, subject: RegExp) => {
    const entry = stack.outbox
      .list()
      .map(readSent)
      .filter((m) => m.to.includes(to) && subject.test(m.subject))
      .at(-1);
    if (!entry) throw new Error(`no mail to ${to} with a subject like ${subject}`);
    const parsed = await simpleParser(entry.raw);
    return {
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      replyTo: parsed.replyTo?.value[0]?.address ?? '',
      messageId: parsed.messageId ?? '',
      subject: entry.subject,
    };
  };
  const open = async (url: string): Promise<{ page: Page; status: number }> => {
    const page = await context.newPage();
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));
    const response = await page.goto(url);
    return { page, status: response!.status() };
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`);
    home = mkdtempSync(join(tmpdir(), 'triage-web-'));
    stack = await startLocalStack({ stateDir: home, ports: FREE_PORTS, log: () => undefined });
    smtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true });
    clients = stackClients(stack);
    const secrets = new SecretsManagerClient({
      endpoint: stack.endpoints.secretsmanager,
      region: stack.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    key = (await secrets.send(new GetSecretValueCommand({ SecretId: stack.replyTokenSecretId }))).SecretString!;
    secrets.destroy();
    // No JavaScript: the pages must work without it (and the CSP allows none anyway).
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false });
    context = await browser.newContext({ javaScriptEnabled: false });

    await send({
      from: '"Jane Doe" <jane@customer.example.org>',
      to: 'billing@example.com',
      subject: 'Charged twice for <order> 77',
      text: 'My invoice 77 shows the same charge twice. Please refund one.',
      messageId: '<jane-web-1@customer.example.org>',
    });
    const ack = await sent('jane@customer.example.org', /^\[BIL-\d+\] We have your message/);
    link = /http:\/\/127\.0\.0\.1:\d+\/status\/\S+/.exec(ack.text)![0];
  });

  afterAll(async () => {
    await browser?.close();
    smtp?.close();
    clients?.destroy();
    await stack?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('mails a status link in the ack that opens the ticket: number, status, department, expected reply and the customer mail', async () => {
    expect(link.startsWith(stack.endpoints.web)).toBe(true);
    const { page, status } = await open(link);
    expect(status).toBe(200);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await expect(page.title()).resolves.toBe('Ticket BIL-1001 - Example Corp');
    const main = page.getByRole('main');
    await expect(main.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Ticket BIL-1001: Charged twice for <order> 77',
    );
    const summary = await main.locator('dl').innerText();
    expect(summary).toMatch(/Ticket number\s+BIL-1001/);
    expect(summary).toMatch(/Status\s+Open: waiting for our answer/);
    expect(summary).toMatch(/Department\s+Billing/);
    expect(summary).toMatch(/Expected reply\s+by \w+day \d+ \w+ \d{4}, \d\d:\d\d \(Europe\/London\) at the latest/);
    const conversation = page.getByRole('list').filter({ has: page.getByRole('article') });
    await expect(conversation.innerText()).resolves.toContain('My invoice 77 shows the same charge twice.');
    await expect(
      page.getByRole('heading', { level: 3, name: 'You (jane@customer.example.org)' }).count(),
    ).resolves.toBe(1);
    // The inline style applies under the CSP (its hash is allowed): the header rule is drawn.
    // (runs in the page; this project's tsconfig has no DOM types, hence the cast)
    const borderStyle = (el: unknown) =>
      (globalThis as unknown as { getComputedStyle(e: unknown): { borderBottomStyle: string } }).getComputedStyle(el)
        .borderBottomStyle;
    await expect(page.locator('header').evaluate(borderStyle)).resolves.toBe('solid');
    expect(cspViolations).toEqual([]);
    await page.close();
  });

  it('shows the agent answer, never the internal note', async () => {
    const copy = await sent('ana@agents.example.com', /^\[BIL-1001\]/);
    await send({
      from: 'ana@agents.example.com',
      to: copy.replyTo,
      subject: `Re: ${copy.subject}`,
      inReplyTo: copy.messageId,
      text: '#note\nINTERNAL: the PSP double-charged 40 customers, see INC-7.',
    });
    await send({
      from: 'ana@agents.example.com',
      to: copy.replyTo,
      subject: `Re: ${copy.subject}`,
      inReplyTo: copy.messageId,
      text: 'Hello Jane, we refunded the second charge today.\n\nAna',
    });
    const messages = await clients.repository.listMessages('BIL-1001');
    expect(messages.filter((m) => m.kind === 'note' && m.internal).length).toBe(1); // the note is stored on the ticket...

    const { page, status } = await open(link);
    expect(status).toBe(200);
    const body = await page.locator('body').innerText();
    expect(body).toContain('we refunded the second charge today'); // the relay
    expect(body).not.toContain('INTERNAL'); // ...and never shown
    expect(body).not.toContain('INC-7');
    expect(body).not.toContain('agents.example.com');
    expect(await page.locator('dl').innerText()).toMatch(
      /Status\s+Answered: waiting for your reply\s+Department\s+Billing\s+Opened\s+.+\s+Answered\s+\w+day/,
    );
    expect(await page.locator('dl').innerText()).not.toContain('Expected reply');
    await page.close();
  });

  it('refuses a forged link and an expired one with 403, showing no ticket data', async () => {
    const last = link.at(-1)!;
    const forged = `${link.slice(0, -1)}${last === 'x' ? 'y' : 'x'}`;
    const expired = statusUrl(stack.endpoints.web, key, 'BIL-1001', new Date(Date.now() - 31 * 86_400_000), 30);
    const otherTicket = link.replace('BIL-1001', 'BIL-1002');
    for (const url of [forged, expired, otherTicket]) {
      const { page, status } = await open(url);
      expect([url, status]).toEqual([url, 403]);
      const body = await page.locator('body').innerText();
      expect(body).toContain('This link is not valid');
      for (const secret of ['BIL-1001', 'Charged twice', 'invoice 77', 'jane@', 'Billing', 'refunded'])
        expect(body).not.toContain(secret);
      await page.close();
    }
    // A genuine link still works (the token above was not accepted by luck).
    expect((await open(statusUrl(stack.endpoints.web, key, 'BIL-1001', new Date(), 1))).status).toBe(200);
  });

  it('survey: opening a link records nothing; the button records the answer once', async () => {
    const links = surveyUrls(stack.endpoints.web, key, 'BIL-1001', new Date(), 30);
    const { page, status } = await open(links.okay);
    expect(status).toBe(200);
    await expect(page.getByRole('radio', { name: 'Okay' }).isChecked()).resolves.toBe(true);
    await expect(page.getByRole('radio', { name: 'Good' }).isChecked()).resolves.toBe(false);
    await expect(page.getByRole('group', { name: 'Your answer' }).count()).resolves.toBe(1);
    const before = (await clients.repository.getTicket('BIL-1001'))!;
    expect(before.satisfaction).toBeUndefined(); // a link scanner that opened the link voted for nobody

    await page.getByRole('radio', { name: 'Good' }).check();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Send my answer' }).click(),
    ]);
    expect(response.status()).toBe(200);
    await page.waitForLoadState();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Thank you');
    const after = (await clients.repository.getTicket('BIL-1001'))!;
    expect(after.satisfaction).toEqual({ choice: 'good', at: expect.any(String) });
    expect(after.version).toBe(before.version + 1);

    // The same form again: refused, the first answer stays.
    await page.goBack();
    const again = await open(links.bad);
    await expect(again.page.locator('main').innerText()).resolves.toContain('your answer Good is already recorded');
    const repost = await fetch(links.bad.replace(/\?.*$/, ''), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'choice=bad',
    });
    expect(repost.status).toBe(409);
    expect((await clients.repository.getTicket('BIL-1001'))!.satisfaction!.choice).toBe('good');
    expect(cspViolations).toEqual([]);
    await page.close();
    await again.page.close();
  });

  it('refuses a forged survey token on GET and POST, recording nothing', async () => {
    await send({
      from: 'kim@customer.example.org',
      to: 'sales@example.com',
      subject: 'Quote',
      text: 'Price for 5 seats?',
    });
    const form = surveyUrls(stack.endpoints.web, key, 'SAL-1001', new Date(), 30).good.replace(/\?.*$/, '');
    const forged = `${form.slice(0, -1)}${form.endsWith('x') ? 'y' : 'x'}`;
    expect((await open(`${forged}?choice=good`)).status).toBe(403);
    const res = await fetch(forged, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'choice=bad',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    expect((await clients.repository.getTicket('SAL-1001'))!.satisfaction).toBeUndefined();
  });
});
