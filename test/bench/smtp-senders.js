'use strict';
// The customers' mail servers for the e2e benchmark (e2e.ts), in a process of their own so that the
// load generator does not share the local stack's event loop. The parent sends `{ id, mail }` messages;
// each is delivered over SMTP on one of `concurrency` transports and answered `{ id, ok, error? }`.
const nodemailer = require('nodemailer');

const [port, concurrency] = process.argv.slice(2).map(Number);
const transports = Array.from({ length: concurrency }, () =>
  nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }),
);
let next = 0;

process.on('message', async ({ id, mail, transport }) => {
  const smtp = transports[transport ?? next++ % transports.length];
  try {
    await smtp.sendMail(mail);
    process.send({ id, ok: true });
  } catch (err) {
    process.send({ id, ok: false, error: err.message });
  }
});
process.on('disconnect', () => {
  for (const t of transports) t.close();
  process.exit(0);
});
process.send({ ready: true });
