import { MailparserReader } from '../../functions/adapters/mailparser-reader';
import { readVerdicts, senderAuthenticated } from '../../functions/domain/verdicts';

const read = (headers: string) =>
  new MailparserReader().read(Buffer.from(`${headers}From: a@b.example\r\nSubject: s\r\n\r\nx\r\n`));

describe('SES verdicts', () => {
  it('reads spam, virus and the amazonses.com authentication results', async () => {
    const mail = await read(
      'Authentication-Results: amazonses.com; spf=pass (spfCheck: domain of b.example designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@b.example; dkim=pass header.i=@b.example; dmarc=pass header.from=b.example;\r\nX-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: FAIL\r\n',
    );
    expect(readVerdicts(mail)).toEqual({ spam: 'PASS', virus: 'FAIL', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' });
    expect(senderAuthenticated(readVerdicts(mail))).toBe(true);
  });

  it('ignores authentication results written by anyone but SES, and reads a missing verdict as NONE', async () => {
    const mail = await read('Authentication-Results: evil.example; spf=pass; dkim=pass; dmarc=pass\r\n');
    expect(readVerdicts(mail)).toEqual({ spam: 'NONE', virus: 'NONE', spf: 'NONE', dkim: 'NONE', dmarc: 'NONE' });
    expect(senderAuthenticated(readVerdicts(mail))).toBe(false);
  });

  it('needs SPF or DKIM to pass and DMARC not to fail', () => {
    const v = { spam: 'PASS', virus: 'PASS' } as const;
    expect(senderAuthenticated({ ...v, spf: 'FAIL', dkim: 'PASS', dmarc: 'NONE' })).toBe(true);
    expect(senderAuthenticated({ ...v, spf: 'PASS', dkim: 'FAIL', dmarc: 'FAIL' })).toBe(false);
    expect(senderAuthenticated({ ...v, spf: 'FAIL', dkim: 'FAIL', dmarc: 'PASS' })).toBe(false);
  });
});
