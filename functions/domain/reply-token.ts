import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Per-ticket reply addresses: `<ticket id, lower-case>.<token>@<reply domain>`. The token is an
 * HMAC of the ticket id under a secret key, so nobody can forge an address into another ticket.
 * Base32 (lower-case) because mail systems may change the case of local parts.
 */
const TOKEN_CHARS = 16; // 80 bits
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

function tokenFor(key: string, ticketId: string): string {
  return base32(createHmac('sha256', key).update(`reply:${ticketId.toUpperCase()}`).digest()).slice(0, TOKEN_CHARS);
}

/** The reply address of a ticket. */
export function replyAddress(key: string, ticketId: string, replyDomain: string): string {
  return `${ticketId.toLowerCase()}.${tokenFor(key, ticketId)}@${replyDomain}`;
}

/**
 * Reads a reply address back.
 * @returns the ticket id when the token verifies, otherwise undefined (a forged or mangled address).
 */
export function verifyReplyAddress(key: string, address: string, replyDomain: string): string | undefined {
  const match = /^([a-z]{2,5}-\d+)\.([a-z2-7]+)@(.+)$/i.exec(address.trim());
  if (!match || match[3].toLowerCase() !== replyDomain.toLowerCase()) return undefined;
  const ticketId = match[1].toUpperCase();
  const expected = Buffer.from(tokenFor(key, ticketId));
  const given = Buffer.from(match[2].toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected) ? ticketId : undefined;
}
