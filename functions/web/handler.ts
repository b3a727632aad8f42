import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { SecretsManagerSecret } from '../adapters/secrets-manager-secret';
import { isSurveyChoice, SURVEY_CHOICES } from '../domain/web-links';
import { WebPages } from '../domain/web-pages';
import { clients } from '../shared/clients';
import { ticketRepository } from '../shared/tables';
import { deployment } from '../shared/deployment';
import { requireEnv } from '../shared/env';
import { invocationLogger } from '../shared/observability';
import { SatisfactionSurvey } from '../usecases/satisfaction-survey';
import { ShowTicketStatus } from '../usecases/show-ticket-status';
import { formFields, htmlResponse } from './http';

/** What the handler needs: the page renderer and the two use cases. */
export interface WebWiring {
  pages: WebPages;
  status: ShowTicketStatus;
  survey: SatisfactionSurvey;
}

let wiring: WebWiring | undefined;

/** Wires the use cases once per container. */
function wire(): WebWiring {
  if (wiring) return wiring;
  const { config, templateSources } = deployment();
  const repository = ticketRepository(config);
  const secrets = new SecretsManagerSecret(clients.secrets(), requireEnv('REPLY_TOKEN_SECRET_ID'));
  wiring = {
    pages: new WebPages(templateSources, config.companyName),
    status: new ShowTicketStatus({ config, repository, secrets }),
    survey: new SatisfactionSurvey({ repository, secrets }),
  };
  return wiring;
}

/** `/status/<token>` -> `{ page: 'status', token }`; undefined for any other path. */
function routeOf(rawPath: string): { page: 'status' | 'survey'; token: string } | undefined {
  const match = /^\/(status|survey)\/([^/]+)\/?$/.exec(rawPath);
  if (!match) return undefined;
  try {
    return { page: match[1] as 'status' | 'survey', token: decodeURIComponent(match[2]) };
  } catch {
    return { page: match[1] as 'status' | 'survey', token: '' }; // bad percent-encoding: a token that verifies to nothing
  }
}

const LABELS = { good: 'Good', okay: 'Okay', bad: 'Bad' } as const;

/**
 * Lambda function URL (payload 2.0): the customer's status page and the satisfaction survey.
 * - `GET /status/<token>`: the ticket as the customer may see it.
 * - `GET /survey/<token>?choice=good|okay|bad`: the question with that choice selected; records nothing.
 * - `POST /survey/<token>` (form field `choice`): records the answer once.
 * A forged or expired token gets 403 and a page that names no ticket; anything else 404 (405 for a
 * known page with another method).
 */
export function webHandler(wiringOf: () => WebWiring) {
  return async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const log = invocationLogger(context);
    const { pages, status, survey } = wiringOf();
    const method = event.requestContext?.http?.method ?? 'GET';
    const route = routeOf(event.rawPath ?? '/');
    if (!route) return htmlResponse(404, pages.render('not-found'));
    const allowed = route.page === 'status' ? ['GET'] : ['GET', 'POST'];
    if (!allowed.includes(method)) return htmlResponse(405, pages.render('not-found'), { Allow: allowed.join(', ') });
    const refused = () => htmlResponse(403, pages.render('refused'));
    const notFound = () => htmlResponse(404, pages.render('not-found'));
    try {
      if (route.page === 'status') {
        const result = await status.execute(route.token);
        log.info('status page', {
          result: result.kind,
          ticketId: result.kind === 'ticket' ? result.view.ticketId : undefined,
        });
        if (result.kind === 'refused') return refused();
        if (result.kind === 'not-found') return notFound();
        return htmlResponse(200, pages.render('status', result.view, result.view.language));
      }
      const question = async (asked: string | undefined, statusCode: number) => {
        const result = await survey.show(route.token, isSurveyChoice(asked) ? asked : undefined);
        log.info('survey page', { result: result.kind });
        if (result.kind === 'refused') return refused();
        if (result.kind === 'not-found') return notFound();
        const choices = SURVEY_CHOICES.map((value) => ({
          value,
          label: LABELS[value],
          checked: value === result.choice,
        }));
        return htmlResponse(
          statusCode,
          pages.render('survey', {
            ticketId: result.ticketId,
            token: encodeURIComponent(route.token),
            choices,
            answered: result.answered && LABELS[result.answered],
          }),
        );
      };
      if (method === 'GET') return await question(event.queryStringParameters?.choice, 200);
      const choice = formFields(event.body, event.isBase64Encoded).get('choice');
      if (!isSurveyChoice(choice)) return await question(undefined, 400); // no (valid) choice: ask again
      const result = await survey.answer(route.token, choice);
      log.info('survey answer', {
        result: result.kind,
        ticketId: 'ticketId' in result ? result.ticketId : undefined,
        choice,
      });
      if (result.kind === 'refused') return refused();
      if (result.kind === 'not-found') return notFound();
      return htmlResponse(
        result.kind === 'recorded' ? 200 : 409,
        pages.render('survey-thanks', {
          ticketId: result.ticketId,
          choice: LABELS[result.choice],
          already: result.kind === 'already-answered',
        }),
      );
    } catch (error) {
      log.error('page failed', { error: error as Error, page: route.page });
      return htmlResponse(503, pages.render('unavailable'), { 'Retry-After': '60' });
    }
  };
}

/** The Lambda entry point, wired to DynamoDB and Secrets Manager. */
export const handler = webHandler(wire);
