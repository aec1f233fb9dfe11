"""Known-answer tests for adapter.py's crypto. Run: python3 -m unittest (in this directory)."""
import base64, json, os, sys, unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adapter as a


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class AES(unittest.TestCase):
    def test_fips197_c1(self):
        w = a.aes128_expand(bytes(range(16)))
        out = a.aes128_encrypt(w, bytes.fromhex("00112233445566778899aabbccddeeff"))
        self.assertEqual(out.hex(), "69c4e0d86a7b0430d8cdb78070b4c55a")

    def test_sbox(self):
        self.assertEqual((a.SBOX[0], a.SBOX[1], a.SBOX[0x53]), (0x63, 0x7C, 0xED))

    def test_gcm_test_cases_1_and_2(self):  # McGrew & Viega, the GCM spec's test cases
        self.assertEqual(a.aes128gcm_seal(bytes(16), bytes(12), b"").hex(),
                         "58e2fccefa7e3061367f1d57a4e7455a")
        self.assertEqual(a.aes128gcm_seal(bytes(16), bytes(12), bytes(16)).hex(),
                         "0388dace60b6a392f328c2b971b2fe78" "ab6e47d42cec13bdf53a67b21257bddf")


class Curve(unittest.TestCase):
    def test_group_order(self):
        self.assertEqual(a.mul_base(a.N - 1), (a.G[0], (-a.G[1]) % a.P))
        self.assertEqual(a.mul_base(2), a._to_affine(a._double((*a.G, 1))))

    def test_fixed_base_matches_variable_base(self):
        for k in (1, 2, 15, 16, 0xDEADBEEF, a.N - 2, a.new_private_key()):
            self.assertEqual(a.mul_base(k), a.mul_point(k, a.G))

    def test_ecdh_agrees(self):
        x, y = a.new_private_key(), a.new_private_key()
        self.assertEqual(a.ecdh(x, a.mul_base(y)), a.ecdh(y, a.mul_base(x)))

    def test_rejects_off_curve(self):
        good = a.encode_point(a.G)
        a.decode_point(good)
        for bad in (good[:-1] + bytes([good[-1] ^ 1]), good[:33], b"\x02" + good[1:33]):
            with self.assertRaises(ValueError):
                a.decode_point(bad)

    def test_rfc6979_a25_sample(self):
        d = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
        sig = a.sign_es256(d, b"sample")
        self.assertEqual(sig.hex().upper(),
                         "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                         "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8")


class RFC8291(unittest.TestCase):
    """RFC 8291 Appendix A."""
    as_priv = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
    as_pub = ("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6Tlz"
              "AC8wEqKK6PBru3jl7A8")
    ua_pub = ("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7V"
              "d8pZGH6SRpkNtoIAiw4")
    ua_priv = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
    salt, auth = "DGv6ra1nlYgDCS1FRnbzlw", "BTBZMqHH6r4Tts7J_aSIgg"
    ecdh_secret = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
    body = ("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vC"
            "YLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXP"
            "XLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")

    def test_keys_and_secret(self):
        d = int.from_bytes(unb64(self.as_priv), "big")
        self.assertEqual(a.encode_point(a.mul_base(d)), unb64(self.as_pub))
        ua = a.decode_point(unb64(self.ua_pub))
        self.assertEqual(a.ecdh(d, ua), unb64(self.ecdh_secret))
        e = int.from_bytes(unb64(self.ua_priv), "big")
        self.assertEqual(a.ecdh(e, a.mul_base(d)), unb64(self.ecdh_secret))

    def test_body(self):
        body = a.encrypt_aes128gcm(b"When I grow up, I want to be a watermelon",
                                   unb64(self.ua_pub), unb64(self.auth),
                                   int.from_bytes(unb64(self.as_priv), "big"), unb64(self.salt))
        self.assertEqual(a.b64url(body), self.body)


class Vapid(unittest.TestCase):
    def test_origin(self):
        self.assertEqual(a.origin("https://LocalHost:8443/push/x?y"), "https://localhost:8443")
        self.assertEqual(a.origin("HTTPS://Push.Example:443/p"), "https://push.example")
        self.assertEqual(a.origin("https://[::1]:9/p"), "https://[::1]:9")
        with self.assertRaises(ValueError):
            a.origin("http://push.example/p")

    def test_token_is_reused_and_verifies(self):
        d = a.new_private_key()
        pub = a.b64url(a.encode_point(a.mul_base(d)))
        v = a.Vapid()
        h1 = v.header("https://x", a.b64url(d.to_bytes(32, "big")), pub, "mailto:a@b")
        h2 = v.header("https://x", a.b64url(d.to_bytes(32, "big")), pub, "mailto:a@b")
        self.assertEqual(h1, h2)
        token = h1.split("t=")[1].split(",")[0]
        head, claims, sig = token.split(".")
        self.assertEqual(json.loads(unb64(claims))["aud"], "https://x")
        self.assertTrue(verify(a.mul_base(d), (head + "." + claims).encode(), unb64(sig)))


def verify(q, msg, sig):
    """Plain ECDSA verification, for the test only."""
    import hashlib
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    e = int.from_bytes(hashlib.sha256(msg).digest(), "big")
    w = pow(s, -1, a.N)
    u1, u2 = a.mul_base(e * w % a.N), a.mul_point(r * w % a.N, q)
    pt = a._to_affine(a._add_affine((*u1, 1), u2))
    return pt[0] % a.N == r


class Classify(unittest.TestCase):
    def test_outcomes(self):
        self.assertEqual(a.classify(201)["outcome"], "success")
        self.assertEqual(a.classify(410)["outcome"], "gone")
        self.assertEqual(a.classify(404)["outcome"], "gone")
        self.assertEqual(a.classify(413)["outcome"], "rejected")
        self.assertEqual(a.classify(429, "120"), {"status": 429, "outcome": "retry-after",
                                                  "error": "rate limited (429)", "retryAfter": 120})


if __name__ == "__main__":
    unittest.main()
