import { createHash } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * The HTTP side of the web function: security headers and the Content-Security-Policy of a page.
 * The pages carry a token in their URL and a customer's conversation in their body, so: nothing is
 * cached or indexed, the URL is never sent on as a Referer, the page cannot be framed, and the
 * browser loads nothing but the page itself (no scripts at all; the page's own inline style by hash).
 */

/** `sha256-...` of every inline `<style>` element of the page (they come from the templates; mail text is escaped and cannot add one). */
function styleHashes(html: string): string[] {
  return [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`,
  );
}

/** The Content-Security-Policy of a page. */
export function contentSecurityPolicy(html: string): string {
  const styles = styleHashes(html);
  return [
    "default-src 'none'",
    styles.length ? `style-src ${styles.join(' ')}` : undefined,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ]
    .filter(Boolean)
    .join('; ');
}

/** An HTML response with the security headers every page carries. */
export function htmlResponse(
  statusCode: number,
  html: string,
  extraHeaders: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': contentSecurityPolicy(html),
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Robots-Tag': 'noindex, nofollow',
      'Strict-Transport-Security': 'max-age=31536000',
      ...extraHeaders,
    },
    body: html,
  };
}

/** The form fields of a POST body (`application/x-www-form-urlencoded`), base64 as Lambda may pass it. */
export function formFields(body: string | undefined, isBase64Encoded: boolean | undefined): URLSearchParams {
  if (!body) return new URLSearchParams();
  return new URLSearchParams(isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body);
}
