package fcm

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRegistration(t *testing.T) {
	const auth = "AidLogin 4242:77"
	key := "BKXIf1uXQ3FlIqi0P6EGfpXEe6uUdMZVCX8aQXa1JpnikjovxSN5PILntZcOyeP0mD91DXnm1hatVP7vO2Cv2BE"
	body := "app=org.chromium.linux&device=4242&sender=" + key +
		"&X-subtype=wp%3Ahttp%3A%2F%2Flocalhost%3A8080%2F%23ABC-V2&appid=fqYggoQDJA4&gmsv=156"
	got, err := ParseRegistration(auth, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := RegistrationRequest{AndroidID: 4242, SecurityToken: 77, App: "org.chromium.linux",
		Sender: key, Subtype: "wp:http://localhost:8080/#ABC-V2", Device: "4242",
		AppID: "fqYggoQDJA4"}
	if got != want {
		t.Errorf("got %+v,\nwant %+v", got, want)
	}
	if k := got.ApplicationServerKey(); len(k) != 65 || k[0] != 4 {
		t.Errorf("ApplicationServerKey: got %d octets, want a 65-octet point", len(k))
	}

	del, err := ParseRegistration(auth, []byte("app=org.chromium.linux&device=4242&"+
		"delete=true&sender=*&appid=fqYggoQDJA4"))
	if err != nil {
		t.Fatal(err)
	}
	if !del.Delete || del.Sender != "*" || del.ApplicationServerKey() != nil {
		t.Errorf("delete: got %+v", del)
	}

	gms, err := ParseRegistration(auth, []byte("app=com.google.android.gms&device=4242&"+
		"sender=745476177629"))
	if err != nil {
		t.Fatal(err)
	}
	if gms.ApplicationServerKey() != nil {
		t.Errorf("a numeric sender is not a key: got %x", gms.ApplicationServerKey())
	}
}

func TestParseRegistrationErrors(t *testing.T) {
	const good = "app=a&device=1&sender=s"
	tests := []struct {
		name, auth, body, want string
	}{
		{"no authorization", "", good, "AidLogin"},
		{"another scheme", "Bearer 1:2", good, "AidLogin"},
		{"no colon", "AidLogin 12", good, "two non-zero"},
		{"zero id", "AidLogin 0:2", good, "two non-zero"},
		{"letters", "AidLogin a:b", good, "two non-zero"},
		{"bad form", "AidLogin 1:2", "app=%zz", "parsing the form"},
		{"repeated field", "AidLogin 1:2", good + "&app=b", `"app" appears 2 times`},
		{"no app", "AidLogin 1:2", "device=1&sender=s", "no app"},
		{"device differs", "AidLogin 1:2", "app=a&device=2&sender=s", "not the android_id"},
		{"no sender", "AidLogin 1:2", "app=a&device=1", "no sender"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRegistration(tt.auth, []byte(tt.body))
			if !errors.Is(err, ErrRegistration) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an ErrRegistration saying %q", err, tt.want)
			}
		})
	}
}

// FuzzParseRegistration feeds arbitrary headers and forms to the parser of
// the registration endpoint: it must not panic, and what it accepts must
// hold what the fake relies on.
func FuzzParseRegistration(f *testing.F) {
	f.Add("AidLogin 4242:77", []byte("app=org.chromium.linux&device=4242&sender=BKXI&"+
		"X-subtype=wp%3Ahttp%3A%2F%2Flocalhost%2F%23A-V2&appid=x"))
	f.Add("AidLogin 4242:77", []byte("app=a&device=4242&delete=true&sender=*"))
	f.Add("AidLogin 1:1", []byte("app=%zz"))
	f.Add("AidLogin :", []byte(""))
	f.Add("Bearer x", []byte("a=b&a=c"))
	f.Fuzz(func(t *testing.T, auth string, body []byte) {
		r, err := ParseRegistration(auth, body)
		if err != nil {
			if !errors.Is(err, ErrRegistration) {
				t.Fatalf("an error that is not an ErrRegistration: %v", err)
			}
			return
		}
		if r.AndroidID == 0 || r.SecurityToken == 0 || r.App == "" {
			t.Fatalf("accepted without credentials or app: %+v", r)
		}
		if r.Sender == "" && !r.Delete {
			t.Fatalf("accepted a registration without a sender: %+v", r)
		}
		if k := r.ApplicationServerKey(); k != nil && (len(k) != 65 || k[0] != 4) {
			t.Fatalf("ApplicationServerKey %x is not an uncompressed point", k)
		}
	})
}
