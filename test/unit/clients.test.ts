import { clients } from '../../functions/shared/clients';

describe('SDK clients (functions/shared/clients.ts)', () => {
  beforeAll(() => {
    process.env.AWS_REGION ??= 'us-east-1';
  });

  it.each(Object.keys(clients) as (keyof typeof clients)[])(
    '%s: no logger middleware (it filtered every request and response for a no-op logger)',
    (name) => {
      const client = clients[name]() as unknown as { middlewareStack: { identify(): string[] } };
      const stack = client.middlewareStack.identify();
      expect(stack.length).toBeGreaterThan(5); // the stack is there (retry, signing, serialising ...)
      expect(stack.filter((m) => m.startsWith('loggerMiddleware'))).toEqual([]);
    },
  );
});
