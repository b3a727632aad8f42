import { signLinkToken, verifyLinkToken } from '../../functions/domain/signed-link';

const key = 'k'.repeat(32);
const now = new Date('2026-11-23T10:00:00Z');
const expiresAt = new Date('2026-11-30T10:00:00Z');

describe('signed link tokens', () => {
  const token = signLinkToken(key, { purpose: 'status', ticketId: 'SUP-1001', expiresAt });

  it('verifies a genuine token for its purpose', () => {
    expect(token).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(verifyLinkToken(key, token, 'status', now)).toEqual({ purpose: 'status', ticketId: 'SUP-1001', expiresAt });
  });

  it('refuses a token for another purpose, another ticket, another key or after expiry', () => {
    expect(verifyLinkToken(key, token, 'survey', now)).toBeUndefined();
    expect(verifyLinkToken(key, token.replace('SUP-1001', 'SUP-1002'), 'status', now)).toBeUndefined();
    expect(verifyLinkToken('x'.repeat(32), token, 'status', now)).toBeUndefined();
    expect(verifyLinkToken(key, token, 'status', expiresAt)).toBeUndefined();
  });

  it('refuses a token whose expiry was pushed out', () => {
    const [id, purpose, , sig] = token.split('.');
    const later = Math.floor(Date.parse('2027-01-01T00:00:00Z') / 1000).toString(36);
    expect(
      verifyLinkToken(key, [id, purpose, later, sig].join('.'), 'status', new Date('2026-12-15T00:00:00Z')),
    ).toBeUndefined();
  });

  it('refuses garbage', () => {
    for (const bad of ['', 'SUP-1001', 'SUP-1001.status..', '../../etc/passwd', `${token}x`]) {
      expect(verifyLinkToken(key, bad, 'status', now)).toBeUndefined();
    }
  });
});
