'use strict';
// One local Lambda function in a thread of its own (lambda-runtime.ts starts it): like a Lambda
// container, it has its own environment (the Worker's `env`), its own module registry (its own
// loggers, cached use case and SDK clients) and runs its invocations on its own event loop, so the
// handlers' work (the SDK's serialising and signing above all) runs beside the emulators instead of
// on their event loop. Plain JavaScript: the handler modules are TypeScript, loaded through tsx's
// CommonJS hook, which this file registers before it loads them.
const { parentPort, workerData } = require('node:worker_threads');

require('tsx/cjs/api').register();
const { lambdaContext } = require('./lambda-context.ts');

const { entry, handlerName, preload, fn } = workerData;

let handler;
try {
  for (const module of preload) require(module);
  handler = require(entry)[handlerName];
  if (typeof handler !== 'function') throw new Error(`${entry} does not export a function "${handlerName}"`);
} catch (err) {
  parentPort.postMessage({ type: 'load-failed', error: describe(err) });
  handler = undefined;
}
if (handler) parentPort.postMessage({ type: 'ready' });

function describe(err) {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: typeof err === 'string' ? err : JSON.stringify(err) };
}

parentPort.on('message', async (msg) => {
  if (msg.type !== 'invoke' || !handler) return;
  try {
    const raw = await handler(msg.event, lambdaContext(fn, msg.requestId));
    // What crosses the Lambda boundary is JSON: the result goes back as its JSON text.
    parentPort.postMessage({ type: 'result', id: msg.id, json: raw === undefined ? 'null' : JSON.stringify(raw) });
  } catch (err) {
    parentPort.postMessage({ type: 'result', id: msg.id, error: describe(err) });
  }
});
