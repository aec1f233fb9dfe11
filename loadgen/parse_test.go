package loadgen

import (
	"slices"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/webpush"
)

func TestParseShard(t *testing.T) {
	for in, want := range map[string]Shard{
		"0/1": {0, 1}, "0/2": {0, 2}, "1/2": {1, 2}, "7/8": {7, 8},
	} {
		got, err := ParseShard(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "2/2", "-1/2", "0/0", "a/b", "1/2/3", "0/2000000"} {
		if _, err := ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q) succeeded", in)
		}
	}
}

func TestShardSharesAndSeqs(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7} {
		for _, total := range []uint64{0, 1, 5, 100, 101} {
			var sum uint64
			var all []uint64
			for i := range n {
				s := Shard{Index: i, Count: n}
				share := s.Share(total)
				sum += share
				for local := range share {
					all = append(all, s.Seq(local))
				}
			}
			slices.Sort(all)
			if sum != total || !slices.Equal(all, seqs(total)) {
				t.Errorf("%d shards of %d: shares add to %d, seqs %v", n, total, sum, all)
			}
		}
	}
	subs := make([]webpush.Subscription, 5)
	for i := range subs {
		subs[i].Endpoint = string(rune('a' + i))
	}
	got := Shard{Index: 1, Count: 2}.Subscriptions(subs)
	if len(got) != 2 || got[0].Endpoint != "b" || got[1].Endpoint != "d" {
		t.Errorf("shard 1/2 of 5: %v", got)
	}
	if (Shard{}).String() != "0/1" || !(Shard{}).Whole() {
		t.Error("the zero Shard is not the whole")
	}
}

func TestParseSubscriptions(t *testing.T) {
	ua, _ := webpush.GenerateUserAgentKeys(nil)
	s := ua.Subscription("https://push.example.net/p/1")
	var array strings.Builder
	if err := WriteSubscriptions(&array, []webpush.Subscription{s, s}); err != nil {
		t.Fatal(err)
	}
	line := `{"endpoint":"https://push.example.net/p/1","keys":{"p256dh":"` + s.Keys.P256DH +
		`","auth":"` + s.Keys.Auth + `"}}`
	for name, in := range map[string]string{
		"array":      array.String(),
		"lines":      line + "\n" + line + "\n",
		"fake's API": `{"id":"x",` + line[1:] + "\n" + line,
	} {
		got, err := ParseSubscriptions(strings.NewReader(in))
		if err != nil || len(got) != 2 || got[1] != (webpush.Subscription{Endpoint: s.Endpoint,
			Keys: s.Keys}) {
			t.Errorf("%s: %v, %v", name, got, err)
		}
		if _, err := NewPool(got); err != nil {
			t.Errorf("%s: NewPool: %v", name, err)
		}
	}
	for name, in := range map[string]string{
		"empty":       "",
		"empty array": "[]",
		"no endpoint": `[{"keys":{}}]`,
		"not json":    "endpoint=x",
		"bad line":    line + "\n{",
		"wrong type":  `[1, 2]`,
	} {
		if _, err := ParseSubscriptions(strings.NewReader(in)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := NewPool([]webpush.Subscription{{Endpoint: "https://x/y"}}); err == nil {
		t.Error("NewPool took a subscription without keys")
	}
}

func TestClassify(t *testing.T) {
	for code, want := range map[uint16]Outcome{
		201: Accepted, 202: Accepted, 200: Unexpected, 204: Unexpected, 301: Unexpected,
		400: Rejected, 401: Rejected, 403: Rejected, 404: Gone, 410: Gone, 413: TooLarge,
		429: RateLimited, 500: ServerError, 503: ServerError, 0: NoAnswer, 100: Unexpected,
	} {
		if got := Classify(code); got != want {
			t.Errorf("Classify(%d) = %s, want %s", code, got, want)
		}
	}
}

func TestPayload(t *testing.T) {
	for _, size := range []int{0, 3, 8, 9, 256, 3993} {
		p := AppendPayload(nil, 0x0102030405060708, size)
		if len(p) != size {
			t.Errorf("size %d: %d octets", size, len(p))
		}
		seq, ok := PayloadSeq(p)
		if ok != (size >= SeqSize) || ok && seq != 0x0102030405060708 {
			t.Errorf("size %d: PayloadSeq = %x, %v", size, seq, ok)
		}
	}
}

func TestParseModes(t *testing.T) {
	got, err := ParseModes("constant, pre-encrypted,inline")
	if err != nil || !slices.Equal(got, Modes) {
		t.Errorf("ParseModes = %v, %v", got, err)
	}
	for _, in := range []string{"", "fast", "inline,inline", "inline,"} {
		if _, err := ParseModes(in); err == nil {
			t.Errorf("ParseModes(%q) succeeded", in)
		}
	}
}
