// pushspec adapter for the npm web-push library (the version pinned in
// package.json): it speaks the JSON-lines protocol of senders/PROTOCOL.md on
// stdin and stdout and sends each push with webpush.sendNotification.
// web-push resolves for 2xx and rejects with a WebPushError that carries the
// status and headers otherwise; the outcome is read from those as an
// application would. It trusts the fake push service through
// NODE_EXTRA_CA_CERTS, which the harness sets.
//
//   npm ci --prefix senders/node-web-push && make conformance SENDER=node-web-push
import { createRequire } from 'node:module';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const webpush = require('web-push');
const { version } = require('web-push/package.json');

const write = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

write({
  hello: {
    name: 'node-web-push', version,
    encodings: ['aes128gcm', 'aesgcm'], vapidSchemes: ['vapid'],
    urgency: true, topic: true, recordSize: false,
  },
});

async function send(req) {
  const options = { TTL: req.ttl, timeout: 15000 };
  if (req.vapid) {
    options.vapidDetails = {
      subject: req.vapid.subject,
      publicKey: req.vapid.publicKey,
      privateKey: req.vapid.privateKey,
    };
  }
  if (req.urgency) options.urgency = req.urgency;
  if (req.topic) options.topic = req.topic;
  if (req.encoding) options.contentEncoding = req.encoding;
  const payload = Buffer.from(req.payload ?? '', 'base64url');
  try {
    const res = await webpush.sendNotification(req.subscription, payload, options);
    return { id: req.id, status: res.statusCode, outcome: 'success' };
  } catch (err) {
    if (typeof err.statusCode !== 'number') {
      return { id: req.id, status: 0, outcome: 'error', error: String(err.message ?? err) };
    }
    const status = err.statusCode;
    if (status === 404 || status === 410) {
      return { id: req.id, status, outcome: 'gone', error: err.body };
    }
    if (status === 429) {
      const retryAfter = parseInt(err.headers?.['retry-after'] ?? '', 10);
      return { id: req.id, status, outcome: 'retry-after',
        retryAfter: Number.isNaN(retryAfter) ? 0 : retryAfter };
    }
    return { id: req.id, status, outcome: 'rejected', error: err.body };
  }
}

// One request at a time, in order: the harness waits for each result.
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    process.stderr.write(`node-web-push adapter: bad request line: ${err.message}\n`);
    continue;
  }
  write(await send(req));
}
