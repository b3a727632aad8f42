import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** What Lambda passes as the handler's second argument (Powertools' injectLambdaContext reads it). */
export function lambdaContext(
  fn: { name: string; arn: string; memoryMB: number; timeoutSeconds: number },
  requestId = randomUUID(),
): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memoryMB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
