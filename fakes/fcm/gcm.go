package fcm

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/pushspec/pushspec/fakes/fcm/internal/gcmpb"
	"github.com/pushspec/pushspec/webpush"
)

// maxGCMBody bounds the body of a checkin or registration request; Chromium
// sends a few hundred octets.
const maxGCMBody = 64 << 10

// ErrRegistration is wrapped by the errors of a registration request that
// fakes/fcm cannot accept.
var ErrRegistration = errors.New("invalid registration request")

// A RegistrationRequest is the form Chromium POSTs to the registration URL to
// get a token (or, with Delete, to give one up).
type RegistrationRequest struct {
	// AndroidID and SecurityToken come from "Authorization: AidLogin
	// <android_id>:<security_token>".
	AndroidID     uint64
	SecurityToken uint64
	// App is the registering application: "org.chromium.linux" for Web Push.
	App string
	// Sender is who may send to the token: for Web Push the
	// applicationServerKey in base64url; a number for Chromium's own
	// registrations.
	Sender string
	// Subtype is X-subtype: "wp:<origin>/#<id>" for a push subscription.
	Subtype string
	// Device is the android_id in decimal, as the form repeats it.
	Device string
	// AppID is the instance ID the token belongs to.
	AppID string
	// Delete asks to delete the registration.
	Delete bool
}

// ParseRegistration parses a registration request from its Authorization
// header and form body. Errors wrap ErrRegistration and say which field is
// wrong.
func ParseRegistration(authorization string, body []byte) (RegistrationRequest, error) {
	var r RegistrationRequest
	scheme, creds, ok := strings.Cut(authorization, " ")
	if !ok || scheme != "AidLogin" {
		return r, fmt.Errorf("authorization %q: want \"AidLogin <android_id>:<token>\": %w",
			short(authorization), ErrRegistration)
	}
	id, token, ok := strings.Cut(creds, ":")
	var err1, err2 error
	r.AndroidID, err1 = strconv.ParseUint(id, 10, 64)
	r.SecurityToken, err2 = strconv.ParseUint(token, 10, 64)
	if !ok || err1 != nil || err2 != nil || r.AndroidID == 0 || r.SecurityToken == 0 {
		return r, fmt.Errorf("authorization %q: want two non-zero decimal numbers: %w",
			short(authorization), ErrRegistration)
	}

	form, err := url.ParseQuery(string(body))
	if err != nil {
		return r, fmt.Errorf("parsing the form: %w: %w", ErrRegistration, err)
	}
	for k, v := range form {
		if len(v) > 1 {
			return r, fmt.Errorf("field %q appears %d times: %w", short(k), len(v),
				ErrRegistration)
		}
	}
	r.App, r.Sender, r.Subtype = form.Get("app"), form.Get("sender"), form.Get("X-subtype")
	r.Device, r.AppID = form.Get("device"), form.Get("appid")
	r.Delete = form.Get("delete") == "true"
	switch {
	case r.App == "":
		return r, fmt.Errorf("no app: %w", ErrRegistration)
	case r.Device != strconv.FormatUint(r.AndroidID, 10):
		return r, fmt.Errorf("device %q is not the android_id %d of the authorization: %w",
			short(r.Device), r.AndroidID, ErrRegistration)
	case r.Sender == "" && !r.Delete:
		return r, fmt.Errorf("no sender: %w", ErrRegistration)
	}
	return r, nil
}

// ApplicationServerKey returns the sender decoded as a P-256 public key, or
// nil when the sender is not one (Chromium's numeric senders).
func (r RegistrationRequest) ApplicationServerKey() []byte {
	b, err := webpush.DecodeBase64(r.Sender)
	if err != nil {
		return nil
	}
	if _, err := webpush.ParsePublicKey(b); err != nil {
		return nil
	}
	return b
}

// handleCheckin gives a browser its device credentials: a new android_id and
// security token on its first checkin, the same ones afterwards.
func (s *Server) handleCheckin(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxGCMBody))
	if err != nil {
		http.Error(w, "reading the checkin request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var req gcmpb.AndroidCheckinRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		s.logger().Warn("checkin", "error", err)
		http.Error(w, "decoding AndroidCheckinRequest: "+err.Error(), http.StatusBadRequest)
		return
	}

	d := s.checkin(uint64(req.GetId()), req.GetSecurityToken(),
		req.GetCheckin().GetChromeBuild().GetChromeVersion())
	resp, err := proto.Marshal(&gcmpb.AndroidCheckinResponse{
		StatsOk:       proto.Bool(true),
		TimeMsec:      proto.Int64(s.now().UnixMilli()),
		AndroidId:     proto.Uint64(d.AndroidID),
		SecurityToken: proto.Uint64(d.SecurityToken),
		SettingsDiff:  proto.Bool(false),
	})
	if err != nil {
		http.Error(w, "encoding AndroidCheckinResponse: "+err.Error(), http.StatusInternalServerError)
		return
	}
	s.logger().Debug("checkin", "android_id", d.AndroidID, "chrome", d.ChromeVersion)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(resp)
}

// handleRegister answers a registration form with "token=<token>", or an
// unregistration (delete=true) with the token it deletes. Errors are
// answered as GCM does: "Error=<REASON>".
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxGCMBody))
	if err != nil {
		gcmError(w, http.StatusBadRequest, "INVALID_PARAMETERS")
		return
	}
	req, err := ParseRegistration(r.Header.Get("Authorization"), body)
	if err != nil {
		s.logger().Warn("registration", "error", err)
		gcmError(w, http.StatusBadRequest, "INVALID_PARAMETERS")
		return
	}
	if req.Delete {
		token, err := s.unregister(req)
		if err != nil {
			s.logger().Warn("unregistration", "error", err)
			gcmError(w, http.StatusUnauthorized, "AUTHENTICATION_FAILED")
			return
		}
		s.logger().Debug("unregistration", "app", req.App, "subtype", req.Subtype,
			"appid", req.AppID, "sender", req.Sender, "token", token)
		if req.AppID == "" {
			// Plain GCM unregistration wants the application back.
			fmt.Fprintf(w, "deleted=%s", req.App)
			return
		}
		fmt.Fprintf(w, "token=%s", token)
		return
	}
	reg, err := s.register(req)
	if err != nil {
		s.logger().Warn("registration", "error", err)
		gcmError(w, http.StatusUnauthorized, "AUTHENTICATION_FAILED")
		return
	}
	s.logger().Debug("registration", "app", req.App, "subtype", req.Subtype,
		"appid", req.AppID, "sender", req.Sender, "token", reg.Token)
	fmt.Fprintf(w, "token=%s", reg.Token)
}

func gcmError(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	fmt.Fprintf(w, "Error=%s", reason)
}

// randomID returns a random non-zero number below 2^62, so that it survives
// Chromium's signed and unsigned handling alike.
func randomID() uint64 {
	var b [8]byte
	for {
		rand.Read(b[:])
		if v := binary.BigEndian.Uint64(b[:]) >> 2; v != 0 {
			return v
		}
	}
}

// newToken returns a registration token: 160 random bits in base64url, so
// that an endpoint cannot be guessed (RFC 8030 §8.3).
func newToken() string {
	b := make([]byte, 20)
	rand.Read(b)
	return webpush.EncodeBase64(b)
}

// short abbreviates a client-supplied value for an error message.
func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
