/**
 * The ports: what the use cases need from the outside world, one file per port (with its types).
 * Adapters in functions/adapters implement them; in-memory fakes in test/support/in-memory.ts.
 * This barrel re-exports them all, so `from '../ports'` imports keep working.
 */
export type * from './attachment-store';
export type * from './auto-reply-limiter';
export * from './customers';
export type * from './delivery-ledger';
export type * from './mail-reader';
export type * from './mailer';
export type * from './quarantine';
export type * from './raw-mail-store';
export type * from './secret-source';
export type * from './suppression-list';
export type * from './ticket-repository';
export type * from './timer-scheduler';
