import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/config/schema';
import { loadConfigFile } from '../../lib/config/load';
import { CONFIG_PATH } from '../support/fixtures';

function problemsOf(yaml: string): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'c.yaml');
  writeFileSync(file, yaml);
  try {
    loadConfigFile(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('config was accepted');
}

const valid = `
mailDomain: example.com
generalAddress: help@example.com
triageQueue: triage
departments:
  - name: billing
    prefix: BIL
    addresses: [billing@example.com]
    firstResponseHours: 8
    businessHours: { timeZone: Europe/London, weekly: { mon: "09:00-17:00" } }
    agents: [ana@agents.example.com]
    lead: lena@agents.example.com
  - name: triage
    prefix: TRI
    firstResponseHours: 8
    businessHours: { timeZone: Europe/London, weekly: { mon: "09:00-17:00" } }
    agents: [tess@agents.example.com]
    lead: tess@agents.example.com
`;

describe('config', () => {
  it('accepts the shipped example with the departments the product promises', () => {
    const cfg = loadConfigFile(CONFIG_PATH);
    const byName = Object.fromEntries(cfg.departments.map((d) => [d.name, d]));
    expect(byName.billing).toMatchObject({
      prefix: 'BIL',
      addresses: ['billing@example.com'],
      agents: ['ana@agents.example.com', 'ben@agents.example.com'],
      lead: 'lena@agents.example.com',
    });
    expect(byName.support).toMatchObject({
      prefix: 'SUP',
      addresses: ['support@example.com', 'oops@example.com'],
      agents: ['tom@agents.example.com'],
      lead: 'tara@agents.example.com',
    });
    expect(byName.sales).toMatchObject({
      prefix: 'SAL',
      addresses: ['sales@example.com'],
      agents: ['sam@agents.example.com'],
      lead: 'sara@agents.example.com',
    });
    expect(byName.triage).toMatchObject({
      prefix: 'TRI',
      agents: ['tess@agents.example.com'],
      lead: 'tess@agents.example.com',
    });
    expect(cfg.generalAddress).toBe('help@example.com');
    expect(cfg.triageQueue).toBe('triage');
    const phrases = (d: typeof byName.billing) => d.keywords.map((k) => k.phrase);
    expect(phrases(byName.billing)).toEqual(expect.arrayContaining(['invoice', 'refund', 'charge', 'payment']));
    expect(phrases(byName.support)).toEqual(expect.arrayContaining(['error', 'crash', 'login', 'password']));
    expect(phrases(byName.sales)).toEqual(expect.arrayContaining(['price', 'quote', 'order']));
  });

  it('accepts a minimal config and fills defaults', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'c.yaml');
    writeFileSync(file, valid);
    const cfg = loadConfigFile(file);
    expect(cfg.replyDomain).toBe('reply.example.com');
    expect(cfg.departments[0].businessHours.weekly.mon).toEqual([{ open: 540, close: 1020 }]);
    expect(cfg.departments[0].businessHours.weekly.tue).toEqual([]);
    expect(cfg.departments[0].keywords).toEqual([]);
  });

  it('reads keywords as plain words or with a weight', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'c.yaml');
    writeFileSync(
      file,
      valid.replace(
        'addresses: [billing@example.com]',
        'addresses: [billing@example.com]\n    keywords: [Invoice, { phrase: refund, weight: 2 }]',
      ),
    );
    expect(loadConfigFile(file).departments[0].keywords).toEqual([
      { phrase: 'invoice', weight: 1 },
      { phrase: 'refund', weight: 2 },
    ]);
  });

  it('names the path of each bad field and what was expected', () => {
    const problems = problemsOf(
      valid
        .replace('prefix: BIL', 'prefix: bi')
        .replace(
          'timeZone: Europe/London, weekly: { mon: "09:00-17:00" } }\n    agents: [ana',
          'timeZone: Mars/Olympus, weekly: { mon: "9 to 5" } }\n    agents: [ana',
        )
        .replace('lead: lena@agents.example.com', 'lead: not-an-address'),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^departments\[0\]\.prefix: expected 2 to 5 upper-case letters .*got "bi"/),
        expect.stringMatching(
          /^departments\[0\]\.businessHours\.timeZone: expected an IANA time zone .*"Mars\/Olympus"/,
        ),
        expect.stringMatching(
          /^departments\[0\]\.businessHours\.weekly\.mon: expected opening hours such as "09:00-17:00"/,
        ),
        expect.stringMatching(/^departments\[0\]\.lead: expected an e-mail address, got "not-an-address"/),
      ]),
    );
  });

  it('refuses unknown fields, missing fields, duplicate prefixes and a triage queue that is no department', () => {
    expect(
      problemsOf(valid.replace('mailDomain: example.com', 'mailDomain: example.com\nmailDomian: typo.com')),
    ).toEqual([expect.stringMatching(/^\(top level\): unexpected field\(s\) "mailDomian"/)]);
    expect(problemsOf(valid.replace('generalAddress: help@example.com\n', ''))).toEqual([
      expect.stringMatching(/^generalAddress: /),
    ]);
    expect(problemsOf(valid.replace('prefix: TRI', 'prefix: BIL'))).toEqual([
      expect.stringMatching(/^departments\[1\]\.prefix: expected a unique prefix, "BIL"/),
    ]);
    expect(problemsOf(valid.replace('triageQueue: triage', 'triageQueue: nobody'))).toEqual([
      expect.stringMatching(/^triageQueue: expected the name of a department \(billing, triage\), got "nobody"/),
    ]);
  });

  it('reports YAML syntax errors and unreadable files as config errors', () => {
    expect(problemsOf('mailDomain: [unclosed')[0]).toMatch(/^YAML syntax/);
    expect(() => loadConfigFile('/nonexistent/triage.yaml')).toThrow(/cannot read the file/);
  });
});
