import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Tokens for links we mail to customers (status page, satisfaction survey). A token names the
 * ticket, what it may be used for and until when, and carries an HMAC of all three under the same
 * secret key as the reply addresses (with its own purpose prefix, so no token is valid as another).
 * A forged, altered or expired token verifies to nothing.
 *
 * Our own format rather than a JWT library: the claims are three short fields, the token must stay
 * short and URL-safe inside plain-text mail, and verification is one HMAC comparison.
 */

/** What a link may be used for. */
export type LinkPurpose = 'status' | 'survey';

/** What a verified token says. */
export interface LinkClaims {
  purpose: LinkPurpose;
  ticketId: string;
  expiresAt: Date;
}

const MAC_CHARS = 27; // 160 bits in base64url

function mac(key: string, purpose: LinkPurpose, ticketId: string, expires: string): string {
  return createHmac('sha256', key)
    .update(`link:${purpose}:${ticketId.toUpperCase()}:${expires}`)
    .digest('base64url')
    .slice(0, MAC_CHARS);
}

/** Signs a link token: `<ticket>.<purpose>.<expiry in seconds, base 36>.<mac>`. */
export function signLinkToken(key: string, claims: LinkClaims): string {
  const expires = Math.floor(claims.expiresAt.getTime() / 1000).toString(36);
  return `${claims.ticketId.toUpperCase()}.${claims.purpose}.${expires}.${mac(key, claims.purpose, claims.ticketId, expires)}`;
}

/**
 * Verifies a token for one purpose.
 * @returns the claims when the token is genuine, meant for `purpose` and not expired at `now`; otherwise undefined.
 */
export function verifyLinkToken(key: string, token: string, purpose: LinkPurpose, now: Date): LinkClaims | undefined {
  const match = /^([A-Z]{2,5}-\d{1,12})\.([a-z]{1,12})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!match || match[2] !== purpose) return undefined;
  const [, ticketId, , expires, given] = match;
  const expected = Buffer.from(mac(key, purpose, ticketId, expires));
  const got = Buffer.from(given);
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
  const expiresAt = new Date(parseInt(expires, 36) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return undefined;
  return { purpose, ticketId, expiresAt };
}
