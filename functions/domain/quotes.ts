import EmailReplyParser from 'email-reply-parser';

const parser = new EmailReplyParser();

/**
 * The part of a reply its author wrote: the quoted history a mail client appends ("On Monday ...
 * wrote:", "-----Original Message-----", `>` lines) and signatures are cut by email-reply-parser,
 * a maintained port of GitHub's parser. The full original stays in S3.
 */
export function visibleReplyText(text: string): string {
  const visible = parser.parseReply(text.replace(/\r\n?/g, '\n'));
  return (visible.trim() ? visible : text).trim();
}
