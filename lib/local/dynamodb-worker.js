'use strict';
// The DynamoDB emulator's thread (see dynamodb.ts). Plain JavaScript: a worker thread does not get the
// TypeScript loader of its parent (tsx, ts-jest).
const { parentPort, workerData } = require('node:worker_threads');
const { Server } = require('node:http');
const dynalite = require('dynalite');

const server = dynalite({ path: workerData.dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });

function listen(port) {
  return new Promise((resolve, reject) => {
    const onError = (err) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address().port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, workerData.host);
  });
}

/** Only the listener goes (http.Server's own close, not dynalite's, which closes the database). */
function closeListener() {
  return new Promise((resolve) => {
    Server.prototype.close.call(server, () => resolve());
    server.closeAllConnections();
  });
}

function stop() {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const commands = { listen: (msg) => listen(msg.port), closeListener, stop };

parentPort.on('message', (msg) => {
  commands[msg.command](msg).then(
    (value) => parentPort.postMessage({ id: msg.id, value }),
    (err) => parentPort.postMessage({ id: msg.id, error: { message: err.message, code: err.code } }),
  );
});
