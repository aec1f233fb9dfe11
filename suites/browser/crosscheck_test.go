package browser_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"

	. "github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/checks"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/suites/internal/harness"
	"github.com/pushspec/pushspec/suites/internal/labels"
	"github.com/pushspec/pushspec/webpush"
)

// A fault is what the harness breaks in a message it builds itself.
type fault int

const (
	valid fault = iota
	// corruptTag flips a bit of the AEAD tag.
	corruptTag
	// delimiter1 ends the only record with 0x01, which says more follow.
	delimiter1
	// nonZeroPadding puts a non-zero octet in the padding after 0x02.
	nonZeroPadding
	// padLengthPastRecord gives an aesgcm record a padding length longer
	// than the record.
	padLengthPastRecord
)

// crosscheckPayload is the plaintext of every message the harness builds.
var crosscheckPayload = []byte("pushspec cross-check")

// seal builds an encrypted body for r, breaking it as f says. For aesgcm it
// also returns the Encryption and Crypto-Key values.
func seal(r *webpush.Recipient, encoding string, f fault, payload []byte) (
	body []byte, encryption, cryptoKey string, err error) {
	eph, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", "", fmt.Errorf("generating the ephemeral key: %w", err)
	}
	secret, err := eph.ECDH(r.P256DH)
	if err != nil {
		return nil, "", "", fmt.Errorf("computing the ECDH secret: %w", err)
	}
	salt := make([]byte, webpush.SaltSize)
	rand.Read(salt)
	dh := eph.PublicKey().Bytes()

	var cek, nonce, plaintext []byte
	if encoding == "aesgcm" {
		cek, nonce = webpush.AESGCMKeys(secret, r.Auth, salt, r.P256DHBytes, dh)
		switch f {
		case nonZeroPadding:
			plaintext = append([]byte{0, 3, 0, 9, 0}, payload...)
		case padLengthPastRecord:
			plaintext = binary.BigEndian.AppendUint16(nil, uint16(len(payload)+1))
			plaintext = append(plaintext, payload...)
		default:
			plaintext = append([]byte{0, 0}, payload...)
		}
		encryption = "salt=" + webpush.EncodeBase64(salt)
		cryptoKey = "dh=" + webpush.EncodeBase64(dh)
	} else {
		ikm := webpush.WebPushIKM(secret, r.Auth, r.P256DHBytes, dh)
		cek, nonce = webpush.DeriveContentKeys(ikm, salt)
		switch f {
		case delimiter1:
			plaintext = append(bytes.Clone(payload), 1)
		case nonZeroPadding:
			plaintext = append(bytes.Clone(payload), 2, 0, 7, 0)
		default:
			plaintext = append(bytes.Clone(payload), 2)
		}
		body = webpush.Header{Salt: salt, RecordSize: webpush.DefaultRecordSize,
			KeyID: dh}.Append(nil)
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, "", "", fmt.Errorf("creating the cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, "", "", fmt.Errorf("creating AES-GCM: %w", err)
	}
	body = gcm.Seal(body, nonce, plaintext, nil)
	if f == corruptTag {
		body[len(body)-1] ^= 0x01
	}
	return body, encryption, cryptoKey, nil
}

// post sends a message the harness built for sub, with valid headers and
// VAPID from pushspec's own Sender, and returns the status.
func post(ctx context.Context, sub webpush.Subscription, encoding string, f fault,
	payload []byte) int {
	r, err := sub.Recipient()
	if err != nil {
		Fail("parsing the subscription: " + err.Error())
	}
	body, encryption, cryptoKey, err := seal(r, encoding, f, payload)
	if err != nil {
		Fail("building the message: " + err.Error())
	}
	s := &webpush.Sender{VAPID: e.vapid, Subject: harness.DefaultSubject}
	req, err := s.NewRequest(ctx, r, webpush.Message{Payload: payload, TTL: 60,
		Encoding: webpush.Encoding(encoding)})
	if err != nil {
		Fail("building the request: " + err.Error())
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	if encoding == "aesgcm" {
		req.Header.Set("Encryption", encryption)
		req.Header.Set("Crypto-Key", cryptoKey)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		Fail("posting the message: " + err.Error())
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode
}

var _ = DescribeTable("pushspec's decryptor and Chromium agree on every kind of message",
	Label(labels.Browser),
	func(ctx SpecContext, scenario, encoding string, f fault) {
		entry := reports.BrowserEntry{Scenario: "cross-check: " + scenario, Encoding: encoding,
			Sent: reports.Bytes(crosscheckPayload)}

		// pushspec's decryptor, on the same kind of message for its own keys.
		sub, err := e.service.CreateSubscription(e.vapid.PublicKey())
		if err != nil {
			Fail("creating a fake push service subscription: " + err.Error())
		}
		post(ctx, sub.JSON(), encoding, f, crosscheckPayload)
		msgs, err := e.service.Messages(sub.ID)
		if err != nil || len(msgs) != 1 {
			Fail(fmt.Sprintf("the fake push service holds %d messages: %v", len(msgs), err))
		}
		verdict, decrypts := judgeDecryption(msgs[0].Payload, msgs[0].Findings,
			crosscheckPayload)
		entry.Decryptor = verdict

		// Chromium, on the message, then on a valid sentinel behind it.
		t := subscribe(ctx)
		entry.Status = post(ctx, t.subscription(), encoding, f, crosscheckPayload)
		first, event := t.event(ctx)
		chromium := "no event: Chromium dropped it"
		if event {
			entry.Event, entry.Received = true, reports.Bytes(first.Data)
			chromium = fmt.Sprintf("an event with %d octets", len(first.Data))
		}

		same := !event || bytes.Equal(first.Data, crosscheckPayload)
		switch {
		case entry.Status != 201:
			entry.Verdict, entry.Detail = checks.Fail, fmt.Sprintf("the fake FCM answered %d; "+
				"it cannot decrypt, so it must accept this message", entry.Status)
		case decrypts == event && same:
			entry.Verdict, entry.Detail = checks.Pass, "they agree: Chromium gave "+chromium+
				"; pushspec's decryptor "+verdict
		default:
			entry.Verdict, entry.Detail = checks.Fail, "they disagree: Chromium gave "+
				chromium+"; pushspec's decryptor "+verdict
		}
		record(entry)
	},
	entry("a valid aes128gcm message", "valid", "aes128gcm", valid),
	entry("aes128gcm with a corrupt tag", "corrupt tag", "aes128gcm", corruptTag),
	entry("aes128gcm ending with delimiter 0x01", "last record delimited 0x01", "aes128gcm",
		delimiter1),
	entry("aes128gcm with a non-zero octet in the padding", "non-zero padding", "aes128gcm",
		nonZeroPadding),
	entry("a valid aesgcm message", "valid", "aesgcm", valid),
	entry("aesgcm with a corrupt tag", "corrupt tag", "aesgcm", corruptTag),
	entry("aesgcm with a padding length past the record", "padding length past the record",
		"aesgcm", padLengthPastRecord),
	entry("aesgcm with a non-zero octet in the padding", "non-zero padding", "aesgcm",
		nonZeroPadding),
)
