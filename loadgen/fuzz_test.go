package loadgen

import (
	"bytes"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Run them: go test ./loadgen -run '^$' -fuzz '^FuzzParseSubscriptions$' -fuzztime 10s

func FuzzParseSubscriptions(f *testing.F) {
	f.Add(`[{"endpoint":"https://push.example.net/p/1","expirationTime":null,` +
		`"keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4b` +
		`jyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"}}]`)
	f.Add(`{"endpoint":"http://127.0.0.1:1/push/a","keys":{"p256dh":"x","auth":"y"}}` + "\n" +
		`{"id":"b","endpoint":"http://127.0.0.1:1/push/b","keys":{}}`)
	f.Add(`[]`)
	f.Add(`[{"endpoint":""}]`)
	f.Add("{\"endpoint\":\"x\"}\n{")
	f.Fuzz(func(t *testing.T, in string) {
		subs, err := ParseSubscriptions(strings.NewReader(in))
		if err != nil {
			return
		}
		if len(subs) == 0 {
			t.Fatal("no error and no subscriptions")
		}
		for _, s := range subs {
			if s.Endpoint == "" {
				t.Fatal("a subscription without endpoint passed")
			}
		}
		// What parses writes back and parses the same.
		var buf bytes.Buffer
		if err := WriteSubscriptions(&buf, subs); err != nil {
			t.Fatal(err)
		}
		again, err := ParseSubscriptions(&buf)
		if err != nil || len(again) != len(subs) {
			t.Fatalf("round trip: %d, %v", len(again), err)
		}
		NewPool(subs) // must not panic
	})
}

func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "1/2", "3/4", "2/2", "-1/3", "0/0", "x/y", "1/", "/1",
		"00/01", "+1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseShard(in)
		if err != nil {
			return
		}
		if s.Index < 0 || s.Index >= s.Count || s.Count < 1 {
			t.Fatalf("ParseShard(%q) = %+v", in, s)
		}
		if again, err := ParseShard(s.String()); err != nil || again != s {
			t.Fatalf("round trip of %q: %v, %v", in, again, err)
		}
	})
}

func FuzzParseModes(f *testing.F) {
	for _, s := range []string{"inline", "pre-encrypted", "constant,inline", "inline,inline",
		"", ",", " inline , constant "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ms, err := ParseModes(in)
		if err != nil {
			return
		}
		seen := map[Mode]bool{}
		for _, m := range ms {
			if _, err := ParseMode(string(m)); err != nil || seen[m] {
				t.Fatalf("ParseModes(%q) = %v", in, ms)
			}
			seen[m] = true
		}
	})
}

// FuzzAddResults feeds the report results files as pushspec report reads
// them from other machines: any bytes must give results or an error.
func FuzzAddResults(f *testing.F) {
	var gob, js, csv bytes.Buffer
	r := &vegeta.Result{Attack: "inline", Seq: 0, Code: 201, Timestamp: time.Unix(1e9, 0),
		Latency: time.Millisecond, BytesOut: 359, Method: "POST", URL: "http://x/push/a"}
	vegeta.NewEncoder(&gob).Encode(r)
	vegeta.NewJSONEncoder(&js).Encode(r)
	vegeta.NewCSVEncoder(&csv).Encode(r)
	f.Add(gob.Bytes())
	f.Add(js.Bytes())
	f.Add(csv.Bytes())
	f.Add([]byte{})
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rep := NewReport("fuzz")
		if err := rep.AddResults("fuzz", bytes.NewReader(in)); err != nil {
			return
		}
		rep.Close()
		var out bytes.Buffer
		if err := rep.WriteText(&out); err != nil {
			t.Fatal(err)
		}
	})
}
