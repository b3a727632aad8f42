/**
 * Counts work in flight (SMTP deliveries, queued or running handler invocations, state machine steps
 * outside a Wait) so tests and the CLI can wait until the stack has settled.
 */
export class Activity {
  private count = 0;
  private listeners = new Set<() => void>();

  /** Marks one unit of work as started; call the returned function (once is enough) when it ends. */
  begin(): () => void {
    this.count++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.count--;
      if (this.count === 0) for (const l of [...this.listeners]) l();
    };
  }

  get inFlight(): number {
    return this.count;
  }

  /** Resolves once nothing is in flight, and still nothing after the event loop turned (no hand-over in progress). */
  async whenIdle(): Promise<void> {
    for (;;) {
      if (this.count > 0) {
        await new Promise<void>((resolve) => {
          const l = () => {
            this.listeners.delete(l);
            resolve();
          };
          this.listeners.add(l);
        });
      }
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 5));
      if (this.count === 0) return;
    }
  }
}
