import Handlebars from 'handlebars';

/** The pages of the web function; each is `templates/web/<name>.html.hbs`, inside `web/layout.html.hbs`. */
export const WEB_PAGE_NAMES = ['status', 'survey', 'survey-thanks', 'refused', 'not-found', 'unavailable'] as const;
export type WebPageName = (typeof WEB_PAGE_NAMES)[number];

/**
 * Renders the customer-facing web pages (status page, survey) from the deployment's templates.
 * Every `{{value}}` is HTML-escaped (Handlebars' default; no template uses the unescaped `{{{ }}}`),
 * so a subject or mail text can never become markup. Refuses to start when a page is missing.
 */
export class WebPages {
  private readonly handlebars = Handlebars.create();
  private readonly compiled = new Map<WebPageName, Handlebars.TemplateDelegate>();

  constructor(
    sources: Record<string, string>,
    private readonly company: string,
  ) {
    const layout = sources['web/layout.html'];
    if (layout === undefined) throw new Error('template web/layout.html.hbs is missing from templates/');
    this.handlebars.registerPartial('layout', layout);
    this.handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.handlebars.registerHelper('concat', (...parts: unknown[]) => parts.slice(0, -1).join(''));
    for (const name of WEB_PAGE_NAMES) {
      const source = sources[`web/${name}.html`];
      if (source === undefined) throw new Error(`template web/${name}.html.hbs is missing from templates/`);
      this.compiled.set(name, this.handlebars.compile(source, { strict: false }));
    }
  }

  /** The page's HTML. */
  render(name: WebPageName, context: object = {}): string {
    const page = this.compiled.get(name);
    if (!page) throw new Error(`unknown web page "${name}"; known: ${WEB_PAGE_NAMES.join(', ')}`);
    return page({ company: this.company, ...context });
  }
}
