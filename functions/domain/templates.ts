import Handlebars from 'handlebars';

/** A rendered mail body and subject. */
export interface RenderedMail {
  subject: string;
  text: string;
  html?: string;
}

/** The templates the code knows. A name outside this list is a programming error, refused loudly. */
export const TEMPLATE_NAMES = [
  'acknowledge',
  'agent-copy',
  'escalation',
  'relay',
  'note',
  'refusal-notice',
  'command-error',
  'due-warning',
  'follow-up',
  'closing-note',
  'survey',
  'status-reply',
  'weekly-report',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/**
 * Handlebars templates keyed like `en/acknowledge.text`, with per-department overrides
 * `billing/en/acknowledge.text`. Subjects and text bodies are plain text (no HTML escaping, and
 * line breaks are removed from subjects); HTML bodies auto-escape every `{{value}}`.
 * Compiled once, on first use.
 */
export class TemplateRegistry {
  private readonly handlebars = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  private languageList?: string[];
  private readonly compiledSources = new Map<string, Handlebars.TemplateDelegate>();
  private readonly picked = new Map<
    string,
    { subject: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate; html?: Handlebars.TemplateDelegate }
  >();

  constructor(
    private readonly sources: Record<string, string>,
    private readonly defaultLanguage = 'en',
  ) {
    for (const name of TEMPLATE_NAMES) {
      for (const part of ['subject', 'text']) {
        if (!(`${defaultLanguage}/${name}.${part}` in sources))
          throw new Error(`template ${defaultLanguage}/${name}.${part}.hbs is missing from templates/`);
      }
    }
  }

  /** Languages the customer can be answered in: those with an acknowledgement template (`<lang>/acknowledge.subject`). */
  languages(): string[] {
    // the sources never change: found once, not on every new mail that asks
    this.languageList ??= Object.keys(this.sources)
      .map((key) => /^([a-z]{2})\/acknowledge\.subject$/.exec(key)?.[1])
      .filter((lang): lang is string => Boolean(lang))
      .sort();
    return [...this.languageList];
  }

  /**
   * Renders handlebars text from the config (an automatic answer) as plain text; an HTML template
   * that shows the result escapes it like any other value.
   */
  renderSource(source: string, context: object): string {
    let fn = this.compiledSources.get(source);
    if (!fn) {
      fn = this.handlebars.compile(source, { noEscape: true });
      this.compiledSources.set(source, fn);
    }
    return fn(context);
  }

  private template(key: string): Handlebars.TemplateDelegate | undefined {
    if (!(key in this.sources)) return undefined;
    let fn = this.compiled.get(key);
    if (!fn) {
      const html = key.endsWith('.html');
      fn = this.handlebars.compile(this.sources[key], { noEscape: !html });
      this.compiled.set(key, fn);
    }
    return fn;
  }

  private pick(
    name: TemplateName,
    part: string,
    department: string,
    language: string,
  ): Handlebars.TemplateDelegate | undefined {
    for (const key of [
      `${department}/${language}/${name}.${part}`,
      `${language}/${name}.${part}`,
      `${department}/${this.defaultLanguage}/${name}.${part}`,
      `${this.defaultLanguage}/${name}.${part}`,
    ]) {
      const fn = this.template(key);
      if (fn) return fn;
    }
    return undefined;
  }

  /**
   * Renders one mail.
   * @throws when `name` is not a known template.
   */
  render(name: TemplateName, context: object, options: { department: string; language?: string }): RenderedMail {
    if (!TEMPLATE_NAMES.includes(name))
      throw new Error(`unknown template "${name}"; known: ${TEMPLATE_NAMES.join(', ')}`);
    const language = options.language ?? this.defaultLanguage;
    const { subject, text, html } = this.parts(name, options.department, language);
    return {
      subject: subject(context)
        .replace(/[\r\n]+/g, ' ')
        .trim(),
      text: text(context),
      html: html?.(context),
    };
  }

  /** The templates a mail of `name` uses for a department and language, looked up once and kept. */
  private parts(
    name: TemplateName,
    department: string,
    language: string,
  ): { subject: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate; html?: Handlebars.TemplateDelegate } {
    const key = `${department}/${language}/${name}`;
    let parts = this.picked.get(key);
    if (!parts) {
      parts = {
        subject: this.pick(name, 'subject', department, language)!,
        text: this.pick(name, 'text', department, language)!,
        html: this.pick(name, 'html', department, language),
      };
      this.picked.set(key, parts);
    }
    return parts;
  }
}
