#!/usr/bin/env python3
"""A Web Push sender in standard-library Python, as a pushspec adapter.

It implements, with nothing but the Python 3.11 standard library:

  * P-256 arithmetic (Jacobian coordinates), ECDH and ES256 signing with
    deterministic k (RFC 6979);
  * AES-128 (FIPS 197) and GCM (NIST SP 800-38D), HKDF-SHA-256 (RFC 5869);
  * RFC 8291 / RFC 8188 aes128gcm payload encryption (one record, rs 4096);
  * RFC 8292 VAPID (`Authorization: vapid t=<JWT>, k=<key>`), a token per
    audience reused until an hour before it expires;
  * RFC 8030 TTL, Urgency and Topic headers, over HTTPS with http.client.

Run it under pushspec's harness (see senders/PROTOCOL.md):

    make conformance SENDER="python3 senders/example-python/adapter.py"

It speaks JSON lines: a hello first, then one answer per request read from stdin,
until stdin closes. The push service's CA comes from SSL_CERT_FILE.

The "library" here hands back the HTTP status and classifies it itself as the
protocol describes: 2xx success, 404/410 gone, 429 retry-after, else rejected.
Refused input and network failures are reported as status 0, outcome "error".

Not constant-time: Python integers leak timing. Fine for a test harness, not
for production keys.
"""
import base64, email.utils, hashlib, hmac, http.client, json, os, re, secrets
import ssl, struct, sys, time, urllib.parse

NAME, VERSION = "example-python", "1.0.0"

# ---------------------------------------------------------------- P-256 ----
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
INF = (1, 1, 0)  # Jacobian point at infinity (Z = 0)


def _double(pt):
    """2*pt in Jacobian coordinates, a = -3 (dbl-2001-b)."""
    x, y, z = pt
    if z == 0 or y == 0:
        return INF
    delta, gamma = z * z % P, y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return (x3, y3, z3)


def _add_affine(pt, q):
    """pt + q, pt Jacobian, q affine (x, y) (mixed addition)."""
    x1, y1, z1 = pt
    if z1 == 0:
        return (q[0], q[1], 1)
    zz = z1 * z1 % P
    u2, s2 = q[0] * zz % P, q[1] * zz * z1 % P
    h, r = (u2 - x1) % P, (s2 - y1) % P
    if h == 0:
        return _double(pt) if r == 0 else INF
    hh = h * h % P
    hhh, v = h * hh % P, x1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - y1 * hhh) % P
    return (x3, y3, z1 * h % P)


def _to_affine(pt):
    x, y, z = pt
    if z == 0:
        raise ValueError("point at infinity")
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return (x * zi2 % P, y * zi2 * zi % P)


def _multiples(q, count):
    """[q, 2q, ..., count*q] as affine points."""
    out, acc = [q], (q[0], q[1], 1)
    for _ in range(count - 1):
        acc = _add_affine(acc, q)
        out.append(_to_affine(acc))
    return out


# Fixed-base comb for G: _G_TABLE[i][j-1] = j * 16**i * G, so k*G is 64 additions.
_G_TABLE, _base = [], G
for _ in range(64):
    _G_TABLE.append(_multiples(_base, 15))
    _base = _to_affine(_double(_double(_double(_double((*_base, 1))))))


def mul_base(k):
    acc = INF
    for i in range(64):
        nib = (k >> (4 * i)) & 15
        if nib:
            acc = _add_affine(acc, _G_TABLE[i][nib - 1])
    return _to_affine(acc)


def mul_point(k, q):
    """k*q for an affine point q, left-to-right with a 4-bit fixed window."""
    table, acc = _multiples(q, 15), INF
    for i in range(63, -1, -1):
        acc = _double(_double(_double(_double(acc))))
        nib = (k >> (4 * i)) & 15
        if nib:
            acc = _add_affine(acc, table[nib - 1])
    return _to_affine(acc)


def decode_point(raw):
    """An uncompressed SEC1 point (65 octets) that must lie on P-256."""
    if len(raw) != 65 or raw[0] != 4:
        raise ValueError("p256dh must be a 65-octet uncompressed P-256 point")
    x, y = int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big")
    if x >= P or y >= P or (y * y - (x ** 3 - 3 * x + B)) % P:
        raise ValueError("p256dh is not a point on P-256")
    return (x, y)


def encode_point(pt):
    return b"\x04" + pt[0].to_bytes(32, "big") + pt[1].to_bytes(32, "big")


def new_private_key():
    return secrets.randbelow(N - 1) + 1


def ecdh(priv, pub):
    """The shared secret: the x coordinate, always 32 octets (leading zeros kept)."""
    return mul_point(priv, pub)[0].to_bytes(32, "big")


def _rfc6979_k(d, h1):
    x = d.to_bytes(32, "big")
    h = (int.from_bytes(h1, "big") % N).to_bytes(32, "big")
    v, k = b"\x01" * 32, b"\x00" * 32
    for tag in (b"\x00", b"\x01"):
        k = hmac.new(k, v + tag + x + h, hashlib.sha256).digest()
        v = hmac.new(k, v, hashlib.sha256).digest()
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        cand = int.from_bytes(v, "big")
        if 1 <= cand < N:
            return cand
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()
        v = hmac.new(k, v, hashlib.sha256).digest()


def sign_es256(d, msg):
    """ECDSA P-256 / SHA-256, returned as the 64-octet R || S of JWS."""
    h1 = hashlib.sha256(msg).digest()
    e = int.from_bytes(h1, "big")
    k = _rfc6979_k(d, h1)
    r = mul_base(k)[0] % N
    s = pow(k, -1, N) * (e + r * d) % N
    if r == 0 or s == 0:  # probability ~2**-256; RFC 6979 would continue the loop
        raise ValueError("degenerate signature")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# ---------------------------------------------------------- AES and GCM ----
def _xtime(a):
    return ((a << 1) ^ 0x1B) & 0xFF if a & 0x80 else a << 1


def _gmul(a, b):
    out = 0
    while b:
        if b & 1:
            out ^= a
        a, b = _xtime(a), b >> 1
    return out


def _make_sbox():
    """S(a) = affine(a^-1): the inverse found by search, then FIPS 197 §5.1.1."""
    rot = lambda v, n: ((v << n) | (v >> (8 - n))) & 0xFF
    sbox = []
    for a in range(256):
        inv = 0 if a == 0 else next(b for b in range(1, 256) if _gmul(a, b) == 1)
        sbox.append(inv ^ rot(inv, 1) ^ rot(inv, 2) ^ rot(inv, 3) ^ rot(inv, 4) ^ 0x63)
    return sbox


SBOX = _make_sbox()
# T0[x] = the column (2s, s, s, 3s); T1..T3 are byte rotations of it.
_T0 = [(_xtime(s) << 24) | (s << 16) | (s << 8) | (_xtime(s) ^ s) for s in SBOX]
_T1 = [(t >> 8) | ((t & 0xFF) << 24) for t in _T0]
_T2 = [(t >> 8) | ((t & 0xFF) << 24) for t in _T1]
_T3 = [(t >> 8) | ((t & 0xFF) << 24) for t in _T2]


def aes128_expand(key):
    w, rcon = list(struct.unpack(">4I", key)), 1
    for i in range(4, 44):
        t = w[i - 1]
        if i % 4 == 0:
            t = ((t << 8) | (t >> 24)) & 0xFFFFFFFF
            t = (SBOX[t >> 24] << 24 | SBOX[(t >> 16) & 255] << 16
                 | SBOX[(t >> 8) & 255] << 8 | SBOX[t & 255]) ^ (rcon << 24)
            rcon = _xtime(rcon)
        w.append(w[i - 4] ^ t)
    return w


def aes128_encrypt(w, block):
    s0, s1, s2, s3 = (a ^ b for a, b in zip(struct.unpack(">4I", block), w[:4]))
    for rnd in range(1, 10):
        k = w[4 * rnd:4 * rnd + 4]
        s0, s1, s2, s3 = (
            _T0[s0 >> 24] ^ _T1[(s1 >> 16) & 255] ^ _T2[(s2 >> 8) & 255] ^ _T3[s3 & 255] ^ k[0],
            _T0[s1 >> 24] ^ _T1[(s2 >> 16) & 255] ^ _T2[(s3 >> 8) & 255] ^ _T3[s0 & 255] ^ k[1],
            _T0[s2 >> 24] ^ _T1[(s3 >> 16) & 255] ^ _T2[(s0 >> 8) & 255] ^ _T3[s1 & 255] ^ k[2],
            _T0[s3 >> 24] ^ _T1[(s0 >> 16) & 255] ^ _T2[(s1 >> 8) & 255] ^ _T3[s2 & 255] ^ k[3])
    st = (s0, s1, s2, s3)
    out = [(SBOX[st[c] >> 24] << 24 | SBOX[(st[(c + 1) % 4] >> 16) & 255] << 16
            | SBOX[(st[(c + 2) % 4] >> 8) & 255] << 8 | SBOX[st[(c + 3) % 4] & 255]) ^ w[40 + c]
           for c in range(4)]
    return struct.pack(">4I", *out)


_R = 0xE1 << 120


def _gf128_mul(x, y):
    """Multiplication in GCM's GF(2^128), bit-reflected (SP 800-38D, Alg. 1)."""
    z = 0
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= y
        y = (y >> 1) ^ _R if y & 1 else y >> 1
    return z


def aes128gcm_seal(key, nonce, plaintext, aad=b""):
    """AES-128-GCM with a 96-bit nonce; returns ciphertext || 16-octet tag."""
    w = aes128_expand(key)
    h = int.from_bytes(aes128_encrypt(w, bytes(16)), "big")
    j0 = int.from_bytes(nonce + b"\x00\x00\x00\x01", "big")
    out = bytearray()
    for i in range(0, len(plaintext), 16):
        ctr = (j0 & ~0xFFFFFFFF) | ((j0 + 1 + i // 16) & 0xFFFFFFFF)
        ks = aes128_encrypt(w, ctr.to_bytes(16, "big"))
        out += bytes(a ^ b for a, b in zip(plaintext[i:i + 16], ks))
    y = 0
    for data in (aad, bytes(out)):
        for i in range(0, len(data), 16):
            y = _gf128_mul(y ^ int.from_bytes(data[i:i + 16].ljust(16, b"\0"), "big"), h)
    y = _gf128_mul(y ^ ((len(aad) * 8) << 64 | len(out) * 8), h)
    tag = int.from_bytes(aes128_encrypt(w, j0.to_bytes(16, "big")), "big") ^ y
    return bytes(out) + tag.to_bytes(16, "big")


# ---------------------------------------------- RFC 8291 and RFC 8292 ----
RECORD_SIZE = 4096
MAX_PAYLOAD = 4096 - 86 - 1 - 16  # header, delimiter, tag: 3993 octets (RFC 8291 §4)


def hkdf(salt, ikm, info, length):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:length]  # length <= 32


def encrypt_aes128gcm(payload, ua_public, auth, as_private=None, salt=None):
    """The RFC 8291 body: salt || rs || idlen || as_public || one record."""
    ua_point = decode_point(ua_public)
    as_private = as_private or new_private_key()
    salt = salt or secrets.token_bytes(16)
    as_public = encode_point(mul_base(as_private))
    secret = ecdh(as_private, ua_point)
    ikm = hkdf(auth, secret, b"WebPush: info\x00" + ua_public + as_public, 32)
    cek = hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    header = salt + struct.pack(">IB", RECORD_SIZE, 65) + as_public
    return header + aes128gcm_seal(cek, nonce, payload + b"\x02")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text, what):
    """base64url without padding, as browsers write it; padding and the standard
    alphabet are accepted too."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_\-+/]*=*", text):
        raise ValueError(f"{what} is not base64url")
    text = text.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise ValueError(f"{what} is not base64url") from exc


def origin(endpoint):
    """The RFC 6454 origin: lower-case scheme and host, the port only if not default."""
    u = urllib.parse.urlsplit(endpoint)
    if u.scheme.lower() != "https" or not u.hostname:
        raise ValueError("the endpoint must be an https URL")
    host = f"[{u.hostname}]" if ":" in u.hostname else u.hostname  # hostname is lower-case
    port = u.port  # raises ValueError when the port is malformed
    return f"https://{host}" + (f":{port}" if port not in (None, 443) else "")


class Vapid:
    """Signs VAPID tokens and keeps one per (audience, keys, subject) until near expiry."""
    LIFETIME, RENEW_BEFORE = 12 * 3600, 3600

    def __init__(self):
        self.cache = {}

    def header(self, aud, private_b64, public_b64, subject):
        d_raw = b64decode(private_b64, "vapid.privateKey")
        d = int.from_bytes(d_raw, "big")
        if len(d_raw) != 32 or not 1 <= d < N:
            raise ValueError("vapid.privateKey must be a 32-octet P-256 scalar")
        key = (aud, d_raw, public_b64, subject)
        tok = self.cache.get(key)
        if tok is None or tok[1] - time.time() < self.RENEW_BEFORE:
            public = encode_point(mul_base(d))
            if public_b64 is not None and b64decode(public_b64, "vapid.publicKey") != public:
                raise ValueError("vapid.publicKey does not match vapid.privateKey")
            tok = self._sign(d, aud, subject) + (b64url(public),)
            self.cache[key] = tok
        return f"vapid t={tok[0]}, k={tok[2]}"

    def _sign(self, d, aud, subject):
        exp = int(time.time()) + self.LIFETIME
        claims = {"aud": aud, "exp": exp}
        if subject is not None:
            claims["sub"] = subject
        enc = lambda obj: b64url(json.dumps(obj, separators=(",", ":")).encode())
        signing_input = enc({"typ": "JWT", "alg": "ES256"}) + "." + enc(claims)
        return (signing_input + "." + b64url(sign_es256(d, signing_input.encode())), exp)


# ------------------------------------------------------------- sending ----
URGENCIES = ("very-low", "low", "normal", "high")
TOPIC_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 §5.4


class Sender:
    def __init__(self):
        self.vapid = Vapid()
        self.tls = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE"))
        self.conns = {}

    def build(self, req):
        """Validate a request and return (url, headers, body); ValueError on bad input."""
        sub = req.get("subscription") or {}
        endpoint, keys = sub.get("endpoint"), sub.get("keys") or {}
        if not isinstance(endpoint, str):
            raise ValueError("subscription.endpoint is missing")
        aud = origin(endpoint)
        if req.get("encoding", "aes128gcm") != "aes128gcm":
            raise ValueError(f"unsupported content coding {req['encoding']!r}")
        if req.get("scheme", "vapid") != "vapid":
            raise ValueError(f"unsupported authorization scheme {req['scheme']!r}")
        ttl = req.get("ttl")
        if type(ttl) is not int or ttl < 0:
            raise ValueError("ttl must be a non-negative integer")
        headers = {"TTL": str(ttl), "Content-Encoding": "aes128gcm",
                   "Content-Type": "application/octet-stream"}
        if "urgency" in req:
            if req["urgency"] not in URGENCIES:
                raise ValueError(f"urgency must be one of {', '.join(URGENCIES)}")
            headers["Urgency"] = req["urgency"]
        if "topic" in req:
            if not isinstance(req["topic"], str) or not TOPIC_RE.fullmatch(req["topic"]):
                raise ValueError("topic must be 1-32 characters of base64url (RFC 8030 §5.4)")
            headers["Topic"] = req["topic"]
        payload = b64decode(req.get("payload", ""), "payload")
        if len(payload) > MAX_PAYLOAD:
            raise ValueError(f"payload of {len(payload)} octets exceeds {MAX_PAYLOAD}")
        ua_public = b64decode(keys.get("p256dh"), "p256dh")
        auth = b64decode(keys.get("auth"), "auth")
        if len(auth) != 16:
            raise ValueError("auth must be 16 octets")
        body = encrypt_aes128gcm(payload, ua_public, auth)
        v = req.get("vapid")
        if v:
            headers["Authorization"] = self.vapid.header(
                aud, v.get("privateKey"), v.get("publicKey"), v.get("subject"))
        return endpoint, headers, body

    def post(self, url, headers, body):
        """POST over a kept-alive connection; once more if a reused one was closed."""
        u = urllib.parse.urlsplit(url)
        where = (u.hostname, u.port or 443)
        path = (u.path or "/") + (f"?{u.query}" if u.query else "")
        while True:
            conn = self.conns.pop(where, None)
            fresh = conn is None
            conn = conn or http.client.HTTPSConnection(*where, timeout=15, context=self.tls)
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if fresh:
                    raise
                continue  # the server closed an idle connection: the push was not sent
            self.conns[where] = conn
            return resp

    def send(self, req):
        try:
            url, headers, body = self.build(req)
        except (ValueError, TypeError, AttributeError) as exc:
            return {"status": 0, "outcome": "error", "error": str(exc)}
        try:
            resp = self.post(url, headers, body)
        except (OSError, http.client.HTTPException) as exc:
            return {"status": 0, "outcome": "error", "error": f"network: {exc!r}"}
        return classify(resp.status, resp.getheader("Retry-After"))


def classify(status, retry_after=None):
    if 200 <= status < 300:
        return {"status": status, "outcome": "success"}
    if status in (404, 410):
        return {"status": status, "outcome": "gone", "error": f"subscription gone ({status})"}
    if status == 429:
        out = {"status": status, "outcome": "retry-after", "error": "rate limited (429)"}
        seconds = parse_retry_after(retry_after)
        if seconds is not None:
            out["retryAfter"] = seconds
        return out
    return {"status": status, "outcome": "rejected", "error": f"push service answered {status}"}


def parse_retry_after(value):
    """Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        return max(0, int(email.utils.parsedate_to_datetime(value).timestamp() - time.time()))
    except (TypeError, ValueError):
        return None


def main():
    write = lambda obj: print(json.dumps(obj), flush=True)
    write({"hello": {"name": NAME, "version": VERSION, "encodings": ["aes128gcm"],
                     "vapidSchemes": ["vapid"], "urgency": True, "topic": True,
                     "recordSize": False}})
    sender = Sender()
    for line in iter(sys.stdin.readline, ""):
        if not line.strip():
            continue
        req = json.loads(line)
        if "recordSize" in req:
            print(f"{req['id']}: recordSize {req['recordSize']} ignored", file=sys.stderr)
        answer = sender.send(req)
        print(f"{req.get('id')}: {answer}", file=sys.stderr)
        write({"id": req.get("id"), **answer})


if __name__ == "__main__":
    main()
