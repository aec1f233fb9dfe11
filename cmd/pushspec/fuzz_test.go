package main

import "testing"

// Run it: go test ./cmd/pushspec -run '^$' -fuzz '^FuzzParseTarget$' -fuzztime 10s

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"fake", "fake=http://127.0.0.1:8080", "file=subs.json",
		"https://push.example.net/p/1,http://127.0.0.1:1/p/2", "fake=", "file=", "x", "",
		" fake ", "https://a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tg, err := parseTarget(in)
		if err != nil {
			return
		}
		switch tg.kind {
		case targetFake:
		case targetFakeURL:
			if !isHTTPURL(tg.url) {
				t.Fatalf("fake URL %q", tg.url)
			}
		case targetFile:
			if tg.path == "" {
				t.Fatal("an empty path")
			}
		case targetEndpoints:
			if len(tg.endpoints) == 0 {
				t.Fatal("no endpoints")
			}
			for _, e := range tg.endpoints {
				if !isHTTPURL(e) {
					t.Fatalf("endpoint %q", e)
				}
			}
		default:
			t.Fatalf("kind %q", tg.kind)
		}
	})
}
