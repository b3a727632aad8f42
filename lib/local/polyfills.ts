/**
 * aws-local-stepfunctions 3 declares Node >= 22 and calls `Promise.withResolvers` (Node 22+) in its
 * Task states. On Node 20 every Task would fail with "Promise.withResolvers is not a function", so the
 * local stack installs this small, spec-shaped polyfill before it runs a state machine.
 */
type WithResolvers = <T>() => {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
};

export function installPolyfills(): void {
  const P = Promise as unknown as { withResolvers?: WithResolvers };
  if (typeof P.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

installPolyfills();
