/**
 * A local stack in a process of its own, driven over IPC by `child-stack.ts`. Two stacks cannot share
 * one process: the handlers read their endpoints and deployment from `process.env`, which is one per
 * process (see lib/local/function-env.ts). Options come as JSON in TRIAGE_CHILD_OPTIONS.
 */
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../lib/local';

type Command = { id: number; cmd: 'idle'; timers?: boolean; timeoutMs?: number } | { id: number; cmd: 'stop' };

const send = (message: unknown) => process.send?.(message);

async function main(): Promise<void> {
  const options = JSON.parse(process.env.TRIAGE_CHILD_OPTIONS ?? '{}') as LocalStackOptions;
  const lines: string[] = [];
  const stack: LocalStack = await startLocalStack({ ...options, log: (line) => lines.push(line) });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stack.stop());
  process.on('message', async (message: Command) => {
    try {
      if (message.cmd === 'idle') {
        await stack.whenIdle({ timers: message.timers, timeoutMs: message.timeoutMs });
        send({ id: message.id, ok: true });
      } else if (message.cmd === 'stop') {
        await stop();
        send({ id: message.id, ok: true, log: lines });
        process.exit(0);
      }
    } catch (err) {
      send({ id: message.id, ok: false, error: (err as Error).message });
    }
  });
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
  send({
    ready: true,
    ports: stack.ports,
    stateDir: stack.layout.root,
    config: stack.config,
    startupMs: stack.startupMs,
  });
}

main().catch((err: unknown) => {
  send({ ready: false, error: (err as Error)?.stack ?? String(err) });
  process.exit(1);
});
