import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ticketStatusView } from '../../functions/domain/customer-view';
import { signLinkToken } from '../../functions/domain/signed-link';
import type { TicketMessage } from '../../functions/domain/ticket';
import { statusUrl, surveyUrls } from '../../functions/domain/web-links';
import { WebPages } from '../../functions/domain/web-pages';
import { SatisfactionSurvey } from '../../functions/usecases/satisfaction-survey';
import { ShowTicketStatus } from '../../functions/usecases/show-ticket-status';
import { webHandler } from '../../functions/web/handler';
import type { DeploymentBundle } from '../../lib/config/deployment';
import { buildDeploymentJson } from '../../lib/config/deployment';
import { CONFIG_PATH, FIXTURES, exampleConfig } from '../support/fixtures';
import { FixedSecret, MemoryMailer, MemoryRawMailStore, MemoryTicketRepository } from '../support/in-memory';
import { inboundUseCase } from '../support/inbound';
import { aTicket } from '../support/tickets';

const BASE = 'https://abc123.lambda-url.eu-west-1.on.aws/';
const KEY = 'k'.repeat(64);
const ARRIVED = new Date('2026-11-23T10:15:02Z');

/** The inbound use case opens a real ticket (refund mail -> billing), then the web handler serves it from the same repository. */
async function setup(now = () => new Date('2026-11-23T11:00:00Z')) {
  const config = exampleConfig();
  const repository = new MemoryTicketRepository();
  const mailer = new MemoryMailer();
  const store = new MemoryRawMailStore();
  const secrets = new FixedSecret(KEY);
  const inbound = inboundUseCase({ config, repository, mailer, store, secrets, webBaseUrl: BASE, now: () => ARRIVED });
  store.objects.set('inbound/help@example.com/obj1', readFileSync(join(FIXTURES, 'refund-to-help.eml')));
  const outcome = await inbound.execute({ key: 'inbound/help@example.com/obj1', arrivedAt: ARRIVED });
  const ticketId = outcome.ticketId!;
  const sources = (JSON.parse(buildDeploymentJson(CONFIG_PATH)) as DeploymentBundle).templates;
  const handler = webHandler(() => ({
    pages: new WebPages(sources, config.companyName),
    status: new ShowTicketStatus({ config, repository, secrets, now }),
    survey: new SatisfactionSurvey({ repository, secrets, now }),
  }));
  const request = (method: string, url: string, body?: string) => {
    const u = new URL(url);
    const event = {
      version: '2.0',
      rawPath: u.pathname,
      rawQueryString: u.search.slice(1),
      queryStringParameters: u.search ? Object.fromEntries(u.searchParams) : undefined,
      headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      requestContext: { http: { method, path: u.pathname } },
      body: body === undefined ? undefined : Buffer.from(body).toString('base64'),
      isBase64Encoded: body !== undefined,
    } as unknown as APIGatewayProxyEventV2;
    return handler(event);
  };
  const ack = mailer.sent.find((m) => m.kind === 'ack')!;
  return { config, repository, ticketId, ack, request };
}

const message = (ticketId: string, m: Partial<TicketMessage>): TicketMessage => ({
  ticketId,
  direction: 'out',
  kind: 'relay',
  at: '2026-11-23T10:30:00.000Z',
  from: 'billing@example.com',
  to: [],
  cc: [],
  subject: 's',
  text: '',
  textTruncated: false,
  attachments: [],
  ...m,
});

describe('links', () => {
  it('builds a status link and three survey links under the base URL, whatever it ends with', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    expect(statusUrl('http://127.0.0.1:8080', KEY, 'BIL-1001', now, 30)).toMatch(
      /^http:\/\/127\.0\.0\.1:8080\/status\/BIL-1001\.status\.[0-9a-z]+\.[A-Za-z0-9_-]{27}$/,
    );
    expect(statusUrl(BASE, KEY, 'BIL-1001', now, 30)).toMatch(
      /^https:\/\/abc123\.lambda-url\.eu-west-1\.on\.aws\/status\/BIL-1001\.status\./,
    );
    const survey = surveyUrls(BASE, KEY, 'BIL-1001', now, 30);
    expect(Object.keys(survey)).toEqual(['good', 'okay', 'bad']);
    expect(survey.bad).toMatch(/\/survey\/BIL-1001\.survey\.[^?]+\?choice=bad$/);
  });
});

describe('the status page', () => {
  it('is linked from the ack, in the text and the HTML', async () => {
    const { ack, ticketId } = await setup();
    expect(ack.text).toMatch(new RegExp(`${BASE.replace(/[.]/g, '\\.')}status/${ticketId}\\.status\\.`));
    expect(ack.html).toContain(`href="${BASE}status/${ticketId}.status.`);
  });

  it('has no link in the ack when WEB_BASE_URL is not set', async () => {
    const mailer = new MemoryMailer();
    const store = new MemoryRawMailStore();
    store.objects.set('inbound/help@example.com/x', readFileSync(join(FIXTURES, 'refund-to-help.eml')));
    await inboundUseCase({ mailer, store }).execute({ key: 'inbound/help@example.com/x', arrivedAt: ARRIVED });
    const ack = mailer.sent.find((m) => m.kind === 'ack')!;
    expect(ack.text).not.toContain('/status/');
    expect(ack.text).not.toContain('status of your ticket');
  });

  it('shows number, status, department, expected reply time and the customer mail, with the security headers', async () => {
    const { ack, ticketId, request } = await setup();
    const url = /https:\/\/\S+\/status\/\S+/.exec(ack.text)![0];
    const res = await request('GET', url);
    expect(res.statusCode).toBe(200);
    const html = res.body!;
    expect(html).toContain('<html lang="en">');
    expect(html).toContain(`<h1>Ticket ${ticketId}:`);
    expect(html).toContain('<dt>Status</dt><dd>Open: waiting for our answer</dd>');
    expect(html).toContain('<dt>Department</dt><dd>Billing</dd>');
    // dueAt in the department's zone (billing: Europe/London, 8 business hours from Monday 10:15)
    expect(html).toMatch(
      /<dt>Expected reply<\/dt><dd>by Tuesday 24 November 2026, \d\d:\d\d \(Europe\/London\) at the latest<\/dd>/,
    );
    expect(html).toContain('refund'); // the customer's mail
    expect(html).toContain('We have your message'); // our ack
    expect(res.headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Robots-Tag': 'noindex, nofollow',
      'X-Content-Type-Options': 'nosniff',
    });
    expect(res.headers!['Content-Security-Policy']).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/,
    );
  });

  it('never shows internal notes, agent copies, escalations, refusals or mail to agents', async () => {
    const { ticketId, repository, request } = await setup();
    const secrets = [
      message(ticketId, {
        direction: 'in',
        kind: 'note',
        from: 'ana@agents.example.com',
        text: 'SECRET-NOTE customer is difficult',
        internal: true,
      }),
      message(ticketId, {
        direction: 'in',
        kind: 'agent',
        from: 'ana@agents.example.com',
        text: 'SECRET-AGENT-COMMANDS',
        internal: true,
      }),
      message(ticketId, {
        direction: 'in',
        kind: 'refused',
        from: 'mallory@evil.example',
        text: 'SECRET-STRANGER',
        internal: true,
      }),
      message(ticketId, {
        direction: 'in',
        kind: 'machine',
        from: 'mailer-daemon@x.example',
        text: 'SECRET-BOUNCE',
        internal: true,
      }),
      message(ticketId, { kind: 'escalation', to: ['lena@agents.example.com'], text: 'SECRET-ESCALATION' }),
      message(ticketId, { kind: 'note', to: ['ben@agents.example.com'], text: 'SECRET-NOTE-COPY' }),
      message(ticketId, { kind: 'refusal-notice', to: ['mallory@evil.example'], text: 'SECRET-REFUSAL' }),
      message(ticketId, { kind: 'command-error', to: ['ana@agents.example.com'], text: 'SECRET-COMMAND-ERROR' }),
      message(ticketId, { kind: 'some-future-kind', to: ['customer@example.org'], text: 'SECRET-UNLISTED-KIND' }),
      // an allowed kind, but marked internal or addressed to someone else: still hidden
      message(ticketId, { kind: 'relay', to: ['someone@else.example'], text: 'SECRET-RELAY-ELSEWHERE' }),
      message(ticketId, { direction: 'in', kind: 'customer', text: 'SECRET-INTERNAL-CUSTOMER', internal: true }),
    ];
    for (const m of secrets) await repository.addMessage(m);
    const customer = (await repository.getTicket(ticketId))!.customer;
    await repository.addMessage(
      message(ticketId, { kind: 'relay', to: [customer], text: 'VISIBLE-RELAY we refunded you' }),
    );
    const res = await request('GET', statusUrl(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('VISIBLE-RELAY we refunded you');
    expect(res.body).not.toContain('SECRET');
    expect(res.body).not.toContain('agents.example.com');
  });

  it("shows the timers' customer mails (follow-up, closing, survey) and promises what the ack promised", async () => {
    const { ticketId, repository, request } = await setup();
    const t = (await repository.getTicket(ticketId))!;
    for (const kind of ['follow-up', 'closing', 'survey'])
      await repository.addMessage(message(ticketId, { kind, to: [t.customer], text: `VISIBLE-${kind}` }));
    await repository.addMessage(
      message(ticketId, { kind: 'due-warning', to: ['ana@agents.example.com'], text: 'SECRET-DUE-WARNING' }),
    );
    // A ticket of the timers carries the promise (target plus margin) the ack gave the customer.
    await repository.saveTicket({ ...t, promisedAt: '2026-11-25T15:00:00.000Z' } as typeof t, t.version);
    const res = await request('GET', statusUrl(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30));
    for (const kind of ['follow-up', 'closing', 'survey']) expect(res.body).toContain(`VISIBLE-${kind}`);
    expect(res.body).not.toContain('SECRET');
    expect(res.body).toContain(
      '<dt>Expected reply</dt><dd>by Wednesday 25 November 2026, 15:00 (Europe/London) at the latest</dd>',
    );
  });

  it('stays far below the 6 MB Lambda response limit for the longest conversation', async () => {
    const { ticketId, repository, request } = await setup();
    const customer = (await repository.getTicket(ticketId))!.customer;
    for (let i = 0; i < 150; i++) {
      await repository.addMessage(
        message(ticketId, {
          direction: 'in',
          kind: 'customer',
          from: customer,
          at: `2026-11-24T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`,
          text: `MSG-${i}-${'x'.repeat(64 * 1024)}`,
          textTruncated: false,
        }),
      );
    }
    const res = await request('GET', statusUrl(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30));
    expect(res.statusCode).toBe(200);
    expect(Buffer.byteLength(res.body!)).toBeLessThan(2 * 1024 * 1024);
    expect(res.body).toContain('MSG-149-'); // the latest are shown
    expect(res.body).not.toContain('MSG-49-'); // the oldest are left out, and the page says so
    expect(res.body).toMatch(/\d+ earlier messages are not shown here/);
    expect(res.body).toContain('This message is longer; the rest is in your mail.');
  });

  it('escapes what customers wrote', async () => {
    const { ticketId, repository, request } = await setup();
    const customer = (await repository.getTicket(ticketId))!.customer;
    await repository.addMessage(
      message(ticketId, {
        direction: 'in',
        kind: 'customer',
        from: customer,
        subject: '<img src=x onerror=alert(1)>',
        text: '<script>alert(1)</script>',
      }),
    );
    const res = await request('GET', statusUrl(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30));
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.toContain('<script>');
    expect(res.body).not.toContain('<img src=x');
  });

  it('says when the ticket was answered instead of promising a time', async () => {
    const { ticketId, repository, request } = await setup();
    const t = (await repository.getTicket(ticketId))!;
    await repository.saveTicket({ ...t, status: 'waiting', firstResponseAt: '2026-11-23T12:00:00.000Z' }, t.version);
    const res = await request('GET', statusUrl(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30));
    expect(res.body).toContain('<dt>Answered</dt><dd>Monday 23 November 2026, 12:00 (Europe/London)</dd>');
    expect(res.body).not.toContain('Expected reply');
    expect(res.body).toContain('Answered: waiting for your reply');
  });

  it('refuses a forged, altered, expired or wrong-purpose token with 403 and shows no ticket', async () => {
    const { ticketId, request } = await setup(() => new Date('2026-12-30T00:00:00Z'));
    const good = statusUrl(BASE, KEY, ticketId, new Date('2026-12-01T00:00:00Z'), 30);
    expect((await request('GET', good)).statusCode).toBe(200);
    const lastChar = good.at(-1)!;
    const altered = good.slice(0, -1) + (lastChar === 'A' ? 'B' : 'A');
    const expired = statusUrl(BASE, KEY, ticketId, new Date('2026-11-23T00:00:00Z'), 30); // expired on 23 December
    const otherKey = statusUrl(BASE, 'x'.repeat(64), ticketId, new Date('2026-12-01T00:00:00Z'), 30);
    const surveyToken = surveyUrls(BASE, KEY, ticketId, new Date('2026-12-01T00:00:00Z'), 30)
      .good.replace('/survey/', '/status/')
      .replace(/\?.*$/, '');
    const otherTicket = good.replace(
      ticketId,
      ticketId.replace(/\d$/, (d) => String((Number(d) + 1) % 10)),
    );
    for (const url of [
      altered,
      expired,
      otherKey,
      surveyToken,
      otherTicket,
      `${BASE}status/garbage`,
      `${BASE}status/%E0%A4%A`,
    ]) {
      const res = await request('GET', url);
      expect([url, res.statusCode]).toEqual([url, 403]);
      expect(res.body).not.toContain(ticketId);
      expect(res.body).not.toContain('refund');
      expect(res.headers!['Cache-Control']).toBe('no-store');
    }
  });

  it('answers 404 for a valid link to a ticket that does not exist, and for any other path', async () => {
    const { request } = await setup();
    const token = signLinkToken(KEY, {
      purpose: 'status',
      ticketId: 'BIL-9999',
      expiresAt: new Date('2027-01-01T00:00:00Z'),
    });
    expect((await request('GET', `${BASE}status/${token}`)).statusCode).toBe(404);
    for (const path of ['', 'status', 'status/', 'favicon.ico', 'admin'])
      expect((await request('GET', `${BASE}${path}`)).statusCode).toBe(404);
  });

  it('answers 405 to a POST on the status page', async () => {
    const { ticketId, request } = await setup();
    const res = await request('POST', statusUrl(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30), 'x=1');
    expect(res.statusCode).toBe(405);
    expect(res.headers!.Allow).toBe('GET');
  });
});

describe("the status page in the customer's language", () => {
  it('is German for a German ticket (words, dates, lang attribute), Spanish for a Spanish one, English for any other', async () => {
    const { ack, ticketId, request, repository } = await setup();
    const url = /https:\/\/\S+\/status\/\S+/.exec(ack.text)![0];
    const ticket = repository.tickets.get(ticketId)!;

    repository.tickets.set(ticketId, { ...ticket, language: 'de' });
    const de = (await request('GET', url)).body!;
    expect(de).toContain('<html lang="de">');
    expect(de).toContain('<dt>Stand</dt><dd>Offen: wartet auf unsere Antwort</dd>');
    expect(de).toMatch(
      /<dt>Antwort erwartet<\/dt><dd>spätestens Dienstag, 24\. November 2026 um \d\d:\d\d \(Europe\/London\)<\/dd>/,
    );
    expect(de).toContain('Diese Seite ist nur für die Person bestimmt');

    repository.tickets.set(ticketId, { ...ticket, language: 'es', status: 'waiting' });
    const es = (await request('GET', url)).body!;
    expect(es).toContain('<html lang="es">');
    expect(es).toContain('<dt>Estado</dt><dd>Respondido: esperando su respuesta</dd>');

    repository.tickets.set(ticketId, { ...ticket, language: 'fr' });
    const fallback = (await request('GET', url)).body!;
    expect(fallback).toContain('<html lang="en">');
    expect(fallback).toContain('<dt>Status</dt><dd>Open: waiting for our answer</dd>');
  });
});

describe('the satisfaction survey', () => {
  it('shows the choice on GET without recording it, records on POST, and keeps the first answer', async () => {
    const { ticketId, repository, request } = await setup();
    const links = surveyUrls(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30);
    const version = (await repository.getTicket(ticketId))!.version;

    const page = await request('GET', links.okay);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<input type="radio" id="choice-okay" name="choice" value="okay" checked required>/);
    expect(page.body).toMatch(/<input type="radio" id="choice-good" name="choice" value="good" required>/);
    expect(page.body).toContain('<label for="choice-okay">Okay</label>');
    expect(page.body).toMatch(new RegExp(`<form method="post" action="${ticketId}\\.survey\\.[^"/?]+">`));
    expect(page.headers!['Content-Security-Policy']).toContain("form-action 'self'");
    expect(await repository.getTicket(ticketId)).toMatchObject({ version });
    expect((await repository.getTicket(ticketId))!.satisfaction).toBeUndefined();

    const form = links.okay.replace(/\?.*$/, '');
    const vote = await request('POST', form, 'choice=bad');
    expect(vote.statusCode).toBe(200);
    expect(vote.body).toContain('We recorded your answer');
    expect((await repository.getTicket(ticketId))!).toMatchObject({
      satisfaction: { choice: 'bad', at: '2026-11-23T11:00:00.000Z' },
      version: version + 1,
    });

    const again = await request('POST', form, 'choice=good');
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already recorded');
    expect((await repository.getTicket(ticketId))!.satisfaction).toEqual({
      choice: 'bad',
      at: '2026-11-23T11:00:00.000Z',
    });

    const later = await request('GET', links.good);
    expect(later.body).toContain('your answer <strong>Bad</strong> is already recorded');
    expect(later.body).not.toContain('<form');
  });

  it('asks again (400) for a POST without a valid choice, and refuses forged or status tokens', async () => {
    const { ticketId, repository, request } = await setup();
    const form = surveyUrls(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30).good.replace(/\?.*$/, '');
    expect((await request('POST', form, 'choice=excellent')).statusCode).toBe(400);
    const statusAsSurvey = statusUrl(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30).replace(
      '/status/',
      '/survey/',
    );
    const forged = form.slice(0, -2) + (form.endsWith('AA') ? 'BB' : 'AA');
    for (const url of [statusAsSurvey, forged]) {
      expect((await request('GET', `${url}?choice=good`)).statusCode).toBe(403);
      const res = await request('POST', url, 'choice=good');
      expect(res.statusCode).toBe(403);
      expect(res.body).not.toContain(ticketId);
    }
    expect((await repository.getTicket(ticketId))!.satisfaction).toBeUndefined();
  });

  it('answers 503 (and logs) when the store fails, showing nothing of the ticket', async () => {
    const { ticketId, repository, request } = await setup();
    jest.spyOn(repository, 'getTicket').mockRejectedValue(new Error('ProvisionedThroughputExceededException'));
    const res = await request('GET', statusUrl(BASE, KEY, ticketId, new Date('2026-11-23T10:00:00Z'), 30));
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toContain(ticketId);
  });
});

describe('the expected reply on the status page', () => {
  const dept = exampleConfig().departments.find((d) => d.name === 'support')!;
  const ticket = aTicket({
    id: 'SUP-1001',
    department: 'support',
    customer: 'kim@x.org',
    customerName: '',
    participants: [],
    subject: 's',
    createdAt: '2026-11-23T14:00:00.000Z',
    dueAt: '2026-11-23T18:00:00.000Z',
    promisedAt: '2026-11-23T19:00:00.000Z',
  });

  it('shows the promise while the ticket awaits its first answer, nothing while it waits on the customer, and the new promise after the customer wrote again', () => {
    expect(ticketStatusView(ticket, dept, []).dueLocal).toContain('14:00');
    const answered = { ...ticket, status: 'waiting' as const, firstResponseAt: '2026-11-23T15:00:00.000Z' };
    expect(ticketStatusView(answered, dept, []).dueLocal).toBeUndefined();
    const reopened = {
      ...answered,
      status: 'open' as const,
      responseDueAt: '2026-11-24T18:00:00.000Z',
      promisedAt: '2026-11-24T19:00:00.000Z',
    };
    expect(ticketStatusView(reopened, dept, []).dueLocal).toContain('Tuesday 24 November 2026, 14:00');
  });
});
