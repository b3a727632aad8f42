import type { TriageConfig } from '../../functions/domain/config';
import { ConfigError, parseConfig } from '../../lib/config/schema';
import { mailText } from '../../functions/domain/matchers';
import { decidePriority } from '../../functions/domain/priority';
import { routeMail } from '../../functions/domain/route';
import { decideNewMail } from '../../functions/domain/triage-decision';
import { exampleConfig } from '../support/fixtures';

/** A small config with the given routing block (and optional per-language keywords for billing). */
function configWith(routing: unknown, billingKeywords: unknown = ['refund']): TriageConfig {
  const dept = (name: string, prefix: string, extra: object = {}) => ({
    name,
    prefix,
    firstResponseHours: 8,
    businessHours: { timeZone: 'Europe/London', weekly: { mon: '09:00-17:00' } },
    agents: [`${name}-agent@agents.example.com`],
    lead: `${name}-lead@agents.example.com`,
    ...extra,
  });
  return parseConfig({
    mailDomain: 'example.com',
    generalAddress: 'help@example.com',
    triageQueue: 'triage',
    routing,
    departments: [
      dept('billing', 'BIL', { addresses: ['billing@example.com'], keywords: billingKeywords }),
      dept('support', 'SUP', { addresses: ['support@example.com'], keywords: ['error'] }),
      dept('legal', 'LEG', { addresses: ['legal@example.com'] }),
      dept('triage', 'TRI'),
    ],
  });
}

function problemsOf(raw: () => unknown): string[] {
  try {
    raw();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('config was accepted');
}

describe('routing rules', () => {
  const cfg = configWith({
    rules: [
      { name: 'lawyers', department: 'legal', senderDomain: ['lawfirm.example'] },
      {
        name: 'gdpr',
        department: 'legal',
        text: ['gdpr', { phrase: 'data protection', weight: 2 }, { regex: '\\bart(icle)?\\.?\\s*17\\b' }],
        minScore: 2,
      },
      {
        name: 'invoice-number',
        department: 'billing',
        recipient: ['help@example.com'],
        subject: [{ regex: 'INV-\\d{4,}', flags: '' }],
      },
      { name: 'german-errors', department: 'support', language: ['de'], body: ['fehler'] },
    ],
  });

  it('applies the first rule that holds, before the receiving address, and names it with what matched', () => {
    const decision = routeMail(cfg, 'billing@example.com', 'Your invoice', 'hi', {
      sender: 'anna@mail.lawfirm.example',
    });
    expect(decision).toMatchObject({
      department: 'legal',
      rule: 'rule',
      ruleName: 'lawyers',
      matched: ['sender domain lawfirm.example'],
    });
    expect(decision.reason).toBe('rule "lawyers" placed it in legal: sender domain lawfirm.example');
  });

  it('matches a sender domain and its subdomains, not look-alikes', () => {
    expect(routeMail(cfg, 'billing@example.com', 'x', 'y', { sender: 'a@lawfirm.example' }).ruleName).toBe('lawyers');
    expect(routeMail(cfg, 'billing@example.com', 'x', 'y', { sender: 'a@notlawfirm.example' }).rule).toBe('address');
  });

  it('adds up the weights of words, phrases and regular expressions against minScore', () => {
    // one word of weight 1 is below minScore 2: the address decides
    expect(routeMail(cfg, 'support@example.com', 'GDPR question', 'hello').rule).toBe('address');
    const phrase = routeMail(cfg, 'support@example.com', 'Question', 'Please delete my data (data   protection).');
    expect(phrase).toMatchObject({ department: 'legal', ruleName: 'gdpr', matched: ['data protection (body)'] });
    const two = routeMail(cfg, 'support@example.com', 'GDPR', 'I ask for erasure under Art. 17');
    expect(two).toMatchObject({
      department: 'legal',
      ruleName: 'gdpr',
      matched: ['gdpr (subject)', '/\\bart(icle)?\\.?\\s*17\\b/ (body)'],
    });
  });

  it('needs every condition of a rule: recipient and subject regex (with the flags given: case-sensitive here)', () => {
    expect(routeMail(cfg, 'help@example.com', 'About INV-20391', '')).toMatchObject({
      department: 'billing',
      ruleName: 'invoice-number',
      matched: ['recipient help@example.com', '/INV-\\d{4,}/ (subject)'],
    });
    expect(routeMail(cfg, 'help@example.com', 'About inv-20391', '').ruleName).toBeUndefined();
    expect(routeMail(cfg, 'support@example.com', 'About INV-20391', '')).toMatchObject({
      department: 'support',
      rule: 'address',
    });
  });

  it('applies a language condition only to mail detected in that language', () => {
    expect(
      routeMail(cfg, 'billing@example.com', 'Hilfe', 'Ein Fehler beim Anmelden', { language: 'de' }),
    ).toMatchObject({ department: 'support', ruleName: 'german-errors', matched: ['language de', 'fehler (body)'] });
    expect(routeMail(cfg, 'billing@example.com', 'Hilfe', 'Ein Fehler beim Anmelden', { language: 'nl' }).rule).toBe(
      'address',
    );
    expect(routeMail(cfg, 'billing@example.com', 'Hilfe', 'Ein Fehler beim Anmelden').rule).toBe('address');
  });

  it('reads only the start of a long subject and body', () => {
    expect(routeMail(cfg, 'help@example.com', `${'x '.repeat(600)}INV-20391`, '').ruleName).toBeUndefined();
    expect(routeMail(cfg, 'help@example.com', 'Hello', `${'word '.repeat(1000)}refund`).rule).toBe('fallback');
    const started = Date.now();
    const decided = decideNewMail(exampleConfig(), {
      recipient: 'help@example.com',
      subject: 'Refund',
      body: `${'Lorem ipsum dolor sit amet. '.repeat(40_000)}`,
      supportedLanguages: ['en'],
    });
    expect(decided.routing.department).toBe('billing');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps address and keyword routing when no rule holds', () => {
    expect(routeMail(cfg, 'help@example.com', 'Refund please', '')).toMatchObject({
      department: 'billing',
      rule: 'keywords',
      matched: ['refund (subject)'],
    });
  });
});

describe('per-language keyword sets', () => {
  const cfg = configWith({}, { any: [{ phrase: 'invoice', weight: 2 }], de: ['rechnung'], es: ['factura'] });

  it('counts a language list only for mail in that language, "any" for all, every list when the language is unknown', () => {
    expect(routeMail(cfg, 'help@example.com', 'Rechnung', '', { language: 'de' })).toMatchObject({
      department: 'billing',
      matched: ['rechnung (subject, de)'],
    });
    expect(routeMail(cfg, 'help@example.com', 'Rechnung', '', { language: 'es' })).toMatchObject({
      department: 'triage',
      rule: 'fallback',
    });
    expect(routeMail(cfg, 'help@example.com', 'Rechnung', '')).toMatchObject({
      department: 'billing',
      matched: ['rechnung (subject, de)'],
    });
    expect(routeMail(cfg, 'help@example.com', 'Invoice', '', { language: 'es' })).toMatchObject({
      department: 'billing',
      matched: ['invoice (subject)'],
      scores: { billing: 6 },
    });
  });

  it('flattens the sets into one keyword list that carries each language', () => {
    expect(cfg.departments[0].keywords).toEqual([
      { phrase: 'invoice', weight: 2 },
      { phrase: 'rechnung', weight: 1, language: 'de' },
      { phrase: 'factura', weight: 1, language: 'es' },
    ]);
  });

  it('ships German and Spanish keywords: a German refund mail to help@ goes to billing', () => {
    const decided = decideNewMail(exampleConfig(), {
      recipient: 'help@example.com',
      sender: 'max@kunde.example.de',
      subject: 'Rückerstattung',
      body: 'Guten Tag, mir wurde die Rechnung doppelt abgebucht. Bitte erstatten Sie mir den Betrag.',
      supportedLanguages: ['de', 'en', 'es'],
    });
    expect(decided.routing).toMatchObject({ department: 'billing', rule: 'keywords', language: 'de' });
    expect(decided.routing.matched).toEqual(
      expect.arrayContaining(['rückerstattung (subject, de)', 'rechnung (body, de)']),
    );
  });
});

describe('priority rules', () => {
  const cfg = configWith({
    rules: [{ name: 'outage', department: 'support', priority: 'high', subject: ['outage'] }],
    priority: [
      { name: 'urgent-words', priority: 'urgent', subject: ['urgent', 'dringend'] },
      { name: 'vip', priority: 'high', senderDomain: ['vip.example'] },
      { name: 'newsletters', priority: 'low', text: ['unsubscribe'] },
    ],
  });
  const decide = (subject: string, body: string, sender = 'a@customer.example') => {
    const routing = routeMail(cfg, 'help@example.com', subject, body, { sender });
    return decidePriority(cfg, 'help@example.com', mailText(subject, body), { sender }, routing);
  };

  it('is normal without a matching rule, and says so', () => {
    expect(decide('Refund', 'please')).toEqual({
      priority: 'normal',
      rules: [],
      reason: 'priority normal: no priority rule matched',
    });
  });

  it('raises VIP sender domains and urgent words, with the rule and the words in the reason', () => {
    expect(decide('Refund', 'please', 'boss@vip.example')).toMatchObject({
      priority: 'high',
      reason: 'priority high: rule "vip" (high: sender domain vip.example)',
    });
    expect(decide('URGENT: refund', 'please')).toMatchObject({
      priority: 'urgent',
      rules: [{ name: 'urgent-words', priority: 'urgent', matched: ['urgent (subject)'] }],
    });
  });

  it('takes the highest of every rule that holds, and the priority of the routing rule that placed the mail', () => {
    const both = decide('Dringend: outage', 'unsubscribe', 'boss@vip.example');
    expect(both.priority).toBe('urgent');
    expect(both.rules.map((r) => r.name)).toEqual(['outage', 'urgent-words', 'vip', 'newsletters']);
    expect(decide('outage', '').priority).toBe('high');
    expect(decide('Hello', 'to unsubscribe click here').priority).toBe('low');
  });
});

describe('routing config errors', () => {
  it('names the field of a broken regular expression and says what is wrong', () => {
    const problems = problemsOf(() =>
      configWith({ rules: [{ name: 'bad', department: 'billing', subject: ['ok', { regex: 'INV-(\\d+' }] }] }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^routing\.rules\[0\]\.subject\[1\]\.regex: expected a valid regular expression, got "INV-\(\\\\d\+": .*Unterminated group/,
      ),
    ]);
  });

  it('names broken regular expressions in keywords, priority rules and flags', () => {
    expect(problemsOf(() => configWith({}, { de: [{ regex: '[a-' }] }))).toEqual([
      expect.stringMatching(/^departments\[0\]\.keywords\.de\[0\]\.regex: expected a valid regular expression/),
    ]);
    expect(
      problemsOf(() =>
        configWith({ priority: [{ name: 'p', priority: 'high', text: [{ regex: 'a', flags: 'gx' }] }] }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^routing\.priority\[0\]\.text\[0\]\.flags: expected regular expression flags out of i, m, s, u/,
      ),
    ]);
  });

  it('refuses a rule for an unknown department, a rule without conditions and an unknown priority', () => {
    const problems = problemsOf(() =>
      configWith({
        rules: [
          { name: 'x', department: 'nowhere', subject: ['a'] },
          { name: 'y', department: 'billing' },
        ],
        priority: [{ name: 'z', priority: 'asap', subject: ['a'] }],
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^routing\.rules\[1\]: expected at least one condition: recipient, senderDomain, language, subject, body, text/,
        ),
        expect.stringMatching(/^routing\.priority\[0\]\.priority: expected low, normal, high or urgent, got "asap"/),
      ]),
    );
    // the department check runs once the rest is valid
    expect(problemsOf(() => configWith({ rules: [{ name: 'x', department: 'nowhere', subject: ['a'] }] }))).toEqual([
      'routing.rules[0].department: expected the name of a department (billing, support, legal, triage), got "nowhere"',
    ]);
  });

  it('refuses a bad language code in a keyword set and a department', () => {
    expect(problemsOf(() => configWith({}, { deutsch: ['rechnung'] }))).toEqual([
      expect.stringMatching(/^departments\[0\]\.keywords.*"deutsch"/),
    ]);
  });
});
