import Handlebars from 'handlebars';

/** The pages of the web function; each is `templates/web/<name>.html.hbs`, inside `web/layout.html.hbs`. */
export const WEB_PAGE_NAMES = ['status', 'survey', 'survey-thanks', 'refused', 'not-found', 'unavailable'] as const;
export type WebPageName = (typeof WEB_PAGE_NAMES)[number];

/**
 * Renders the customer-facing web pages (status page, survey) from the deployment's templates, in the
 * customer's language where the deployment has it (`templates/web/<lang>/<name>.html.hbs` and its own
 * `layout`), else in the default pages (`templates/web/<name>.html.hbs`, English).
 * Every `{{value}}` is HTML-escaped (Handlebars' default; no template uses the unescaped `{{{ }}}`),
 * so a subject or mail text can never become markup. Refuses to start when a default page is missing.
 */
export class WebPages {
  private readonly byLanguage = new Map<string, Map<WebPageName, Handlebars.TemplateDelegate>>();
  private readonly fallback: Map<WebPageName, Handlebars.TemplateDelegate>;

  constructor(
    sources: Record<string, string>,
    private readonly company: string,
  ) {
    if (sources['web/layout.html'] === undefined)
      throw new Error('template web/layout.html.hbs is missing from templates/');
    for (const name of WEB_PAGE_NAMES) {
      if (sources[`web/${name}.html`] === undefined)
        throw new Error(`template web/${name}.html.hbs is missing from templates/`);
    }
    this.fallback = this.compile(sources, undefined);
    const languages = new Set(Object.keys(sources).flatMap((key) => /^web\/([a-z]{2})\//.exec(key)?.[1] ?? []));
    for (const language of languages) this.byLanguage.set(language, this.compile(sources, language));
  }

  /** One language's pages: its own page and layout where it has them, the default ones otherwise. */
  private compile(
    sources: Record<string, string>,
    language: string | undefined,
  ): Map<WebPageName, Handlebars.TemplateDelegate> {
    const pick = (name: string) => (language && sources[`web/${language}/${name}.html`]) || sources[`web/${name}.html`];
    const handlebars = Handlebars.create();
    handlebars.registerPartial('layout', pick('layout'));
    handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    handlebars.registerHelper('concat', (...parts: unknown[]) => parts.slice(0, -1).join(''));
    return new Map(WEB_PAGE_NAMES.map((name) => [name, handlebars.compile(pick(name), { strict: false })]));
  }

  /** The page's HTML, in `language` when the deployment has that language's pages. */
  render(name: WebPageName, context: object = {}, language?: string): string {
    const page = ((language && this.byLanguage.get(language)) || this.fallback).get(name);
    if (!page) throw new Error(`unknown web page "${name}"; known: ${WEB_PAGE_NAMES.join(', ')}`);
    return page({ company: this.company, ...context });
  }
}
