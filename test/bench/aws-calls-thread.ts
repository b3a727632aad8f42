import { BroadcastChannel } from 'node:worker_threads';
import { AWS_CALLS_CHANNEL, type AwsCallsMessage } from './aws-calls';
import { captureRequests } from './request-capture';

/**
 * Loaded by the bench in every function thread of the local stack (`functionPreload`): the handlers'
 * AWS calls leave from these threads, so this is where they are seen. While the counter in the
 * bench's thread watches, each request to an emulator goes to it over a BroadcastChannel, in order;
 * a `flush` is answered after every request sent before it.
 */
const channel = new BroadcastChannel(AWS_CALLS_CHANNEL);
channel.unref();
let undo: (() => void) | undefined;
channel.onmessage = (event) => {
  const message = (event as { data: AwsCallsMessage }).data;
  if (message.type === 'watch') {
    undo?.();
    undo = captureRequests(new Set(message.ports), (request) =>
      channel.postMessage({ type: 'request', request } satisfies AwsCallsMessage),
    );
    channel.postMessage({ type: 'watching' } satisfies AwsCallsMessage);
  } else if (message.type === 'flush') {
    channel.postMessage({ type: 'flushed', token: message.token } satisfies AwsCallsMessage);
  } else if (message.type === 'stop') {
    undo?.();
    undo = undefined;
  }
};
channel.postMessage({ type: 'hello' } satisfies AwsCallsMessage);
