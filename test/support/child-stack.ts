import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TriageConfig } from '../../functions/domain/config';
import type { LocalStackOptions, OutboxEntry, ServiceName } from '../../lib/local';
import { outboxOf } from './local-mail';
import { ROOT } from './fixtures';

/** A local stack running in a child process (a second deployment next to the one in the test process). */
export interface ChildStack {
  ports: Record<ServiceName, number>;
  stateDir: string;
  config: TriageConfig;
  startupMs: number;
  outbox(): OutboxEntry[];
  whenIdle(options?: { timers?: boolean; timeoutMs?: number }): Promise<void>;
  /** Stops the stack and the process; resolves with the stack's log lines. */
  stop(): Promise<string[]>;
}

export function startChildStack(options: Omit<LocalStackOptions, 'log'>): Promise<ChildStack> {
  const child: ChildProcess = fork(join(ROOT, 'test', 'support', 'stack-process.ts'), [], {
    cwd: ROOT,
    execArgv: ['--require', 'tsx/cjs'],
    env: {
      ...process.env,
      TRIAGE_CHILD_OPTIONS: JSON.stringify(options),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let next = 0;
  const pending = new Map<number, { resolve: (v: { log?: string[] }) => void; reject: (e: Error) => void }>();
  const request = (message: Record<string, unknown>) =>
    new Promise<{ log?: string[] }>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      child.send({ ...message, id });
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`the child stack exited with code ${code} before it was ready`));
      for (const p of pending.values()) p.reject(new Error(`the child stack exited with code ${code}`));
    });
    child.on(
      'message',
      (message: {
        ready?: boolean;
        error?: string;
        id?: number;
        ok?: boolean;
        log?: string[];
        ports?: Record<ServiceName, number>;
        stateDir?: string;
        config?: TriageConfig;
        startupMs?: number;
      }) => {
        if (message.id !== undefined) {
          const p = pending.get(message.id);
          pending.delete(message.id);
          if (message.ok) p?.resolve(message);
          else p?.reject(new Error(message.error));
          return;
        }
        if (!message.ready) return reject(new Error(`the child stack did not start: ${message.error}`));
        resolve({
          ports: message.ports!,
          stateDir: message.stateDir!,
          config: message.config!,
          startupMs: message.startupMs!,
          outbox: () => outboxOf(message.stateDir!),
          whenIdle: async (opts = {}) => void (await request({ cmd: 'idle', ...opts })),
          stop: async () => {
            if (child.exitCode !== null) return [];
            const done = new Promise((r) => child.once('exit', r));
            const reply = await request({ cmd: 'stop' });
            await done;
            return reply.log ?? [];
          },
        });
      },
    );
  });
}
