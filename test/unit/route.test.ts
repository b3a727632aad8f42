import { routeByKeywords, routeMail } from '../../functions/domain/route';
import { exampleConfig } from '../support/fixtures';

describe('routing', () => {
  const cfg = exampleConfig();

  it('routes by the receiving address first, whatever the words say', () => {
    expect(routeMail(cfg, 'OOPS@example.com', 'refund please', 'invoice payment')).toMatchObject({
      department: 'support',
      rule: 'address',
      matched: ['oops@example.com'],
    });
  });

  it('places general-address mail by keywords and says which words matched', () => {
    const decision = routeMail(cfg, 'help@example.com', 'Refund for my last invoice', 'I was charged twice.');
    expect(decision).toMatchObject({ department: 'billing', rule: 'keywords' });
    expect(decision.matched).toEqual(
      expect.arrayContaining(['refund (subject)', 'invoice (subject)', 'charged (body)']),
    );
    expect(decision.reason).toMatch(/billing/);
  });

  it('matches whole words only and phrases across line breaks', () => {
    expect(routeByKeywords(cfg, 'Border crossing', 'no keyword here').department).toBe('triage');
    expect(routeByKeywords(cfg, 'Hello', 'my app is not\nworking since today').department).toBe('support');
  });

  it('ignores accents and case', () => {
    expect(routeByKeywords(cfg, 'PRÏCE list', '').department).toBe('sales');
  });

  it('weighs the subject above the body', () => {
    expect(routeByKeywords(cfg, 'Quote for 20 seats', 'we had a login error last week').department).toBe('sales');
  });

  it('lets a weighted keyword decide: "refund my order" is billing, not sales', () => {
    expect(routeByKeywords(cfg, 'Please refund my order', '')).toMatchObject({
      department: 'billing',
      scores: { billing: 6, sales: 3 },
    });
  });

  it('leaves ties and mail without keywords to the triage queue, with the reason', () => {
    expect(routeByKeywords(cfg, 'Payment and price', '')).toMatchObject({
      department: 'triage',
      rule: 'fallback',
      reason: expect.stringMatching(/tie between billing and sales/),
    });
    expect(routeByKeywords(cfg, 'Hello', 'Just saying hi')).toMatchObject({
      department: 'triage',
      rule: 'fallback',
      matched: [],
    });
  });

  it('sends mail for an unknown address to the triage queue', () => {
    expect(routeMail(cfg, 'nobody@example.com', '', '')).toMatchObject({ department: 'triage', rule: 'fallback' });
  });
});

describe('taggedSubject', () => {
  const { taggedSubject } = require('../../functions/domain/ticket');
  it('keeps one tag and drops reply prefixes so a ticket threads under one subject', () => {
    expect(taggedSubject('BIL-1001', 'Re: [BIL-1001] Charged twice')).toBe('[BIL-1001] Charged twice');
    expect(taggedSubject('BIL-1001', 'AW: Re: Charged twice')).toBe('[BIL-1001] Charged twice');
    expect(taggedSubject('BIL-1001', '')).toBe('[BIL-1001] (no subject)');
  });
});
