import { replyAddress, verifyReplyAddress } from '../../functions/domain/reply-token';

describe('reply token', () => {
  const key = 'x'.repeat(64);
  const address = replyAddress(key, 'BIL-1042', 'reply.example.com');

  it('round-trips, whatever case a mail system gives the local part', () => {
    expect(address).toMatch(/^bil-1042\.[a-z2-7]{16}@reply\.example\.com$/);
    expect(verifyReplyAddress(key, address, 'reply.example.com')).toBe('BIL-1042');
    expect(verifyReplyAddress(key, address.toUpperCase(), 'reply.example.com')).toBe('BIL-1042');
  });

  it('refuses a forged token, another ticket id, another key and another domain', () => {
    const [local, domain] = address.split('@');
    const token = local.split('.')[1];
    expect(
      verifyReplyAddress(
        key,
        `bil-1042.${token.slice(0, -1)}a@${domain}`.replace(
          `${token.slice(0, -1)}a`,
          token.endsWith('a') ? `${token.slice(0, -1)}b` : `${token.slice(0, -1)}a`,
        ),
        'reply.example.com',
      ),
    ).toBeUndefined();
    expect(verifyReplyAddress(key, `bil-1043.${token}@${domain}`, 'reply.example.com')).toBeUndefined();
    expect(verifyReplyAddress('y'.repeat(64), address, 'reply.example.com')).toBeUndefined();
    expect(verifyReplyAddress(key, address, 'reply.evil.example')).toBeUndefined();
    expect(verifyReplyAddress(key, 'garbage', 'reply.example.com')).toBeUndefined();
  });
});
