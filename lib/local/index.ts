/** The offline local stack: `startLocalStack` runs the whole system on one machine (see README.md here). */
export { startLocalStack, type LocalStack, type LocalStackOptions, type LocalStackEvents } from './stack';
export { banner } from './banner';
export { PortInUseError, LocalStackError } from './errors';
export { DEFAULT_PORTS, PORT_ENV, type ServiceName } from './listen';
export { localStateDir, stateLayout, type StateLayout } from './paths';
export { readStackFile, type StackFile } from './stack-file';
export { TEST_VERDICTS_HEADER, type Verdicts } from './receipt-headers';
export type { OutboxEntry, OutboxSidecar } from './outbox';
export type { InvocationRecord } from './lambda-runtime';
export type { ExecutionRecord } from './sfn-executions';
export type { StoredMail } from './smtp';
export type { LocalTestHooks, OutageService, ReplayedLetter } from './faults';
export { SIMULATOR, type FeedbackDelivery, type FeedbackSpec } from './ses-feedback';
