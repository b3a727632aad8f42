import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { PortInUseError } from './errors';

/** Every emulator listens on the loopback interface only. */
export const HOST = '127.0.0.1';

/** Environment variable that overrides each service's port (also used in error messages). */
export const PORT_ENV = {
  smtp: 'TRIAGE_SMTP_PORT',
  s3: 'TRIAGE_S3_PORT',
  dynamodb: 'TRIAGE_DYNAMODB_PORT',
  ses: 'TRIAGE_SES_PORT',
  secretsmanager: 'TRIAGE_SECRETS_PORT',
  sfn: 'TRIAGE_SFN_PORT',
  web: 'TRIAGE_WEB_PORT',
} as const;

export type ServiceName = keyof typeof PORT_ENV;

/** Default ports (the table in lib/local/README.md and docs/local-stack.md); 0 means "any free port". */
export const DEFAULT_PORTS: Record<ServiceName, number> = {
  smtp: 2525,
  s3: 4569,
  dynamodb: 8000,
  ses: 8005,
  secretsmanager: 8006,
  sfn: 8083,
  web: 8080,
};

/**
 * The port of each service: the ones given, the defaults for the rest; when every port given is 0 (an
 * isolated stack), the ones not given are 0 too, so that such callers never collide on a new default.
 */
export function resolvePorts(given: Partial<Record<ServiceName, number>> = {}): Record<ServiceName, number> {
  const ports = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<
    Record<ServiceName, number>
  >;
  const isolated = Object.keys(ports).length > 0 && Object.values(ports).every((p) => p === 0);
  return {
    ...(isolated
      ? (Object.fromEntries(Object.keys(DEFAULT_PORTS).map((k) => [k, 0])) as Record<ServiceName, number>)
      : DEFAULT_PORTS),
    ...ports,
  };
}

export function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/** Listens on HOST:port (0 = pick a free port) and returns the bound port; EADDRINUSE becomes PortInUseError. */
export function listen(server: NetServer, port: number, service: ServiceName): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(isAddressInUse(err) ? new PortInUseError(service, port, PORT_ENV[service]) : err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, HOST);
  });
}

/** Closes an HTTP server without waiting for idle keep-alive sockets of SDK clients. */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

export function readBody(req: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
