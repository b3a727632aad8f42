import { chooseLanguage, detectMailLanguage } from '../../functions/domain/language';
import { localeOf } from '../../functions/domain/turnaround';
import { formatLocal } from '../../functions/domain/turnaround';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeploymentJson } from '../../lib/config/deployment';
import { CONFIG_PATH, exampleTemplates } from '../support/fixtures';

const SUPPORTED = ['de', 'en', 'es'];

describe('language detection', () => {
  it.each([
    [
      'de',
      'Rechnung doppelt bezahlt',
      'Guten Tag,\n\nich wurde für meine letzte Rechnung zweimal belastet. Können Sie mir den Betrag bitte zurückerstatten?\n\nMit freundlichen Grüßen\nMax Mustermann',
    ],
    ['de', 'Passwort vergessen', 'Ich kann mich nicht mehr anmelden.'],
    [
      'es',
      'Factura duplicada',
      'Hola, me han cobrado dos veces la última factura. ¿Pueden devolverme el dinero?\n\nSaludos,\nLucía',
    ],
    ['es', 'Contraseña', 'Olvidé mi contraseña y no puedo entrar en mi cuenta.'],
    // short and ambiguous among all languages (es 0.09, pt 0.05), but well ahead of our next language (en 0.05)
    ['es', 'Factura duplicada', 'Hola, me han cobrado dos veces la última factura.'],
    ['de', '', 'Danke, aber es funktioniert immer noch nicht.'],
    [
      'en',
      'Refund for my last invoice',
      'Hello,\n\nI was charged twice for invoice 2026-114. Could you refund the second payment?\n\nThanks,\nJane',
    ],
    ['en', 'App crashes', 'Hi, the app crashes every time I log in. Thanks'],
  ])('tells %s from subject and body', (language, subject, body) => {
    expect(detectMailLanguage(subject, body, SUPPORTED).language).toBe(language);
  });

  it("reads the customer's own words, not the quoted history or a link", () => {
    const reply =
      'Danke, aber es funktioniert immer noch nicht.\n\nOn Mon, 23 Nov 2026 at 10:15, Example Corp <support@example.com> wrote:\n> Thank you for writing to Example Corp Technical support. Your message is ticket SUP-1001.\n> A person from our team will answer by Monday at the latest. Please keep the ticket number in the subject.\n';
    expect(detectMailLanguage('Re: [SUP-1001] Problem', reply, SUPPORTED).language).toBe('de');
  });

  it('does not guess on short or ambiguous text', () => {
    expect(detectMailLanguage('Hi', 'Thanks', SUPPORTED).language).toBeUndefined();
    expect(
      detectMailLanguage('Invoice 2026-114', 'https://example.com/x?id=1 jane@example.org 12345', SUPPORTED).language,
    ).toBeUndefined();
    expect(detectMailLanguage('', 'ok', SUPPORTED).language).toBeUndefined();
    // a few English words that tinyld reads as Polish or Portuguese with a low score: not trusted
    expect(detectMailLanguage('', 'I forgot my password', SUPPORTED).language).toBeUndefined();
    expect(detectMailLanguage('', 'Please send a quote.', SUPPORTED).language).toBeUndefined();
    // a close call between two languages we answer in
    expect(detectMailLanguage('', 'Danke, das hat geholfen', SUPPORTED).language).toBeUndefined();
  });

  it('tells a language we do not answer in, when sure', () => {
    expect(
      detectMailLanguage(
        'Commande annulée',
        'Bonjour, je voudrais annuler ma commande, elle est arrivée en retard et le colis était abîmé. Merci beaucoup.',
        SUPPORTED,
      ).language,
    ).toBe('fr');
  });

  it("answers in the detected language when templates exist for it, else in the department's default", () => {
    expect(chooseLanguage('de', ['de', 'en', 'es'], 'en')).toEqual({
      detected: 'de',
      language: 'de',
      reason: 'language de detected',
    });
    expect(chooseLanguage('fr', ['de', 'en', 'es'], 'es')).toMatchObject({
      detected: 'fr',
      language: 'es',
      reason: expect.stringMatching(/no fr templates; the department's default es/),
    });
    expect(chooseLanguage(undefined, ['de', 'en', 'es'], 'de')).toMatchObject({
      language: 'de',
      reason: expect.stringMatching(/not told/),
    });
  });

  it('refuses a department language without templates at synth and start-up, naming the field', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'c.yaml');
    writeFileSync(file, readFileSync(CONFIG_PATH, 'utf8').replace('    language: en', '    language: fr'));
    expect(() => buildDeploymentJson(file)).toThrow(
      /departments\[3\]\.language: expected a language with templates \(.*templates\/fr\/acknowledge\.subject\.hbs\), got "fr"/,
    );
  });

  it('knows the shipped languages from the templates', () => {
    expect(exampleTemplates().languages()).toEqual(['de', 'en', 'es']);
  });

  it("writes dates in the customer's language", () => {
    const at = new Date('2026-11-24T09:45:02Z');
    expect(formatLocal(at, 'Europe/London', localeOf('en'))).toBe('Tuesday 24 November 2026, 09:45 (Europe/London)');
    expect(formatLocal(at, 'Europe/London', localeOf('de'))).toBe(
      'Dienstag, 24. November 2026 um 09:45 (Europe/London)',
    );
    expect(formatLocal(at, 'Europe/London', localeOf('es'))).toBe(
      'martes, 24 de noviembre de 2026, 09:45 (Europe/London)',
    );
  });
});
