/** An error the CLI prints as one line (no stack) before exiting non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Where an AWS call went, for the one line that explains its failure. */
export interface AwsContext {
  /** `--stack` */
  stack?: string;
  /** the region in use, when known */
  region?: string;
  /** `--profile` */
  profile?: string;
}

const text = (err: unknown) => String((err as Error)?.message ?? err);
const nameOf = (err: unknown) => String((err as { name?: string })?.name ?? '');
const codeOf = (err: unknown) =>
  String((err as { code?: string; Code?: string })?.code ?? (err as { Code?: string })?.Code ?? '');
const firstLine = (s: string) => s.split('\n')[0].trim();

/**
 * Turns the failures every AWS command can meet into one clear line: no credentials, no region,
 * a stack that does not exist, expired or rejected credentials, a denied call, no network.
 * Returns undefined for anything else (the caller prints the error's own message).
 */
export function explainAwsError(err: unknown, ctx: AwsContext = {}): CliError | undefined {
  const name = nameOf(err);
  const message = text(err);
  const code = codeOf(err);
  const profile = ctx.profile ? ` (profile ${ctx.profile})` : '';
  const where = ctx.region ? ` in ${ctx.region}` : '';

  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new CliError(
      `no AWS credentials${profile}: none in the environment, ~/.aws/credentials, ~/.aws/config (SSO, process) or an instance role; ` +
        'run `aws configure` or `aws sso login`, or pass --profile',
    );
  }
  if (/Region is missing/i.test(message) || name === 'RegionMissingError') {
    return new CliError(
      `no AWS region${profile}: pass --region (e.g. --region eu-west-1), set AWS_REGION, or set a region in your profile`,
    );
  }
  if (name === 'ValidationError' && /Stack with id .* does not exist/i.test(message)) {
    return new CliError(
      `stack ${ctx.stack ?? '(unknown)'} does not exist${where}${profile}; check --stack and --region (\`aws cloudformation list-stacks\`)`,
    );
  }
  if (
    /^(ExpiredToken|ExpiredTokenException|TokenRefreshRequired|RequestExpired)$/.test(name) ||
    /token .*expired|sso session .*expired/i.test(message)
  ) {
    return new CliError(`the AWS credentials${profile} have expired: refresh them (\`aws sso login\`) and try again`);
  }
  if (
    /^(InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|InvalidSignatureException|IncompleteSignature)$/.test(
      name,
    )
  ) {
    return new CliError(`AWS rejected the credentials${profile}: ${firstLine(message)}`);
  }
  if (
    /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError|Forbidden)$/.test(name) ||
    /not authorized to perform/i.test(message)
  ) {
    return new CliError(`not allowed${where}${profile}: ${firstLine(message)}`);
  }
  if (
    /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)$/.test(code) ||
    /^(TimeoutError|NetworkingError)$/.test(name) ||
    /getaddrinfo|ENOTFOUND|ECONNREFUSED/.test(message)
  ) {
    return new CliError(`cannot reach AWS${where}: ${firstLine(message)}`);
  }
  return undefined;
}

/** The one line for a failure against the local stack, when it is one we recognise. */
export function explainLocalError(err: unknown): CliError | undefined {
  const message = text(err);
  if (codeOf(err) === 'ECONNREFUSED' || nameOf(err) === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return new CliError('cannot reach the local stack (connection refused); is `npm start` running?');
  }
  return undefined;
}

/** Which kind of target the running command opened, so a failure is explained in its terms. */
let opened: { kind: 'local' } | { kind: 'aws'; context: AwsContext } | undefined;

/** Called by the targets when they open. */
export function noteTarget(target: { kind: 'local' } | { kind: 'aws'; context: AwsContext }): void {
  opened = target;
}

/** One clear line for an error of the running command, or undefined when it is not one we know. */
export function explainError(err: unknown): CliError | undefined {
  if (err instanceof CliError) return err;
  if (opened?.kind === 'aws') return explainAwsError(err, opened.context);
  return explainLocalError(err) ?? explainAwsError(err);
}
