// A Web Push sender in plain Node (no dependencies), run against
// `pushspec serve`: it creates a subscription through the control API,
// encrypts a message with aes128gcm (RFC 8291), signs it with VAPID
// (RFC 8292), pushes it, and reads back what the fake decrypted and found.
//
//   node examples/node/push.mjs https://127.0.0.1:PORT   (NODE_EXTRA_CA_CERTS=ca.pem)
import crypto from 'node:crypto';

const base = process.argv[2];
if (!base) {
  console.error('usage: node push.mjs BASE_URL');
  process.exit(2);
}
const b64 = (buf) => Buffer.from(buf).toString('base64url');
const hmac = (key, ...parts) => {
  const h = crypto.createHmac('sha256', key);
  parts.forEach((p) => h.update(p));
  return h.digest();
};

// The application server's VAPID key pair.
const vapid = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const vapidPublic = vapid.publicKey.export({ format: 'jwk' });
const k = Buffer.concat([Buffer.from([4]), Buffer.from(vapidPublic.x, 'base64url'),
  Buffer.from(vapidPublic.y, 'base64url')]);

// 1. A subscription restricted to that key.
let res = await fetch(`${base}/subscriptions`, {
  method: 'POST', body: JSON.stringify({ applicationServerKey: b64(k) }),
});
const sub = await res.json();

// 2. Encrypt (RFC 8291 §3, RFC 8188 §2).
const payload = Buffer.from(process.argv[3] ?? 'hello from node');
const uaPublic = Buffer.from(sub.keys.p256dh, 'base64url');
const auth = Buffer.from(sub.keys.auth, 'base64url');
const ecdh = crypto.createECDH('prime256v1');
const asPublic = ecdh.generateKeys();
const secret = ecdh.computeSecret(uaPublic);
const ikm = hmac(hmac(auth, secret), Buffer.from('WebPush: info\0'), uaPublic, asPublic,
  Buffer.from([1]));
const salt = crypto.randomBytes(16);
const prk = hmac(salt, ikm);
const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
const cipher = crypto.createCipheriv('aes-128-gcm', cek, nonce);
const record = Buffer.concat([cipher.update(Buffer.concat([payload, Buffer.from([2])])),
  cipher.final(), cipher.getAuthTag()]);
const rs = Buffer.alloc(4);
rs.writeUInt32BE(4096);
const body = Buffer.concat([salt, rs, Buffer.from([65]), asPublic, record]);

// 3. Sign (RFC 8292 §2): aud is the endpoint's origin.
const aud = new URL(sub.endpoint).origin;
const header = b64(JSON.stringify({ typ: 'JWT', alg: 'ES256' }));
const claims = b64(JSON.stringify({ aud, exp: Math.floor(Date.now() / 1000) + 3600,
  sub: 'mailto:webpush-ops@pushspec.dev' }));
const sig = crypto.sign('sha256', Buffer.from(`${header}.${claims}`),
  { key: vapid.privateKey, dsaEncoding: 'ieee-p1363' });

// 4. Push.
res = await fetch(sub.endpoint, {
  method: 'POST', body,
  headers: { TTL: '60', 'Content-Encoding': 'aes128gcm',
    Authorization: `vapid t=${header}.${claims}.${b64(sig)}, k=${b64(k)}` },
});
console.log(`push: ${res.status} ${res.headers.get('location') ?? (await res.text())}`);

// 5. What the fake made of it.
res = await fetch(`${base}/subscriptions/${sub.id}/messages`);
const [msg] = await res.json();
const notPass = msg.findings.filter((f) => f.verdict !== 'PASS');
console.log(`message: status ${msg.status}, ${msg.findings.length} findings, ` +
  `${notPass.length} not PASS, payload ${JSON.stringify(
    Buffer.from(msg.payload ?? '', 'base64url').toString())}`);
notPass.forEach((f) => console.log(`  ${f.verdict} ${f.requirement}: ${f.detail}`));
process.exit(msg.status === 201 && notPass.length === 0 &&
  Buffer.from(msg.payload, 'base64url').equals(payload) ? 0 : 1);
