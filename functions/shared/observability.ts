import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One structured JSON logger and one EMF metrics emitter per container. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'email-triage' });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'EmailTriage', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'email-triage' });
