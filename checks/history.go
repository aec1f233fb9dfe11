package checks

import (
	"sync"
	"time"
)

// DefaultMemory is how many salts, keys and tokens an Inspector remembers at
// least before it starts forgetting the oldest.
const DefaultMemory = 1 << 20

// An Inspector inspects a stream of requests: each one as Inspect does, plus
// the rules that span messages: ece.salt.unique, ece.keyid.fresh and
// vapid.jwt.reuse. The zero value is ready to use; it is safe for
// concurrent use.
type Inspector struct {
	// Profile and ClockSkew are passed to Inspect.
	Profile   Profile
	ClockSkew time.Duration
	// Memory bounds what the Inspector remembers; 0 means DefaultMemory.
	Memory int

	mu     sync.Mutex
	salts  memory // subscription, keyid, salt
	keyids memory // subscription, keyid
	tokens memory // k, aud, sub → the last token

	signatures SignatureCache
}

// Inspect inspects one request for sub, arrived at now.
func (i *Inspector) Inspect(req Request, sub Subscription, now time.Time) Result {
	res := Inspect(req, sub, Options{Now: now, ClockSkew: i.ClockSkew, Profile: i.Profile,
		Signatures: &i.signatures})
	i.Observe(sub.Endpoint, &res)
	return res
}

// Observe adds the findings of the rules that span messages to res, and
// remembers res for the requests that follow.
func (i *Inspector) Observe(endpoint string, res *Result) {
	i.mu.Lock()
	defer i.mu.Unlock()
	size := i.Memory
	if size <= 0 {
		size = DefaultMemory
	}
	add := func(id string, v Verdict, detail string) {
		if v != Pass {
			v = byID[id].BrokenUnder(i.Profile)
		}
		res.Findings = append(res.Findings, Finding{Requirement: id, Verdict: v, Detail: detail})
	}

	if res.Salt != nil && res.KeyID != nil {
		key := endpoint + "\x00" + string(res.KeyID) + "\x00" + string(res.Salt)
		if _, seen := i.salts.get(key); seen {
			add("ece.salt.unique", Fail, "salt "+b64short(res.Salt)+" was used before with the "+
				"same keyid for this subscription: the same key and nonce encrypt twice")
		} else {
			add("ece.salt.unique", Pass, "a salt not seen before with this key")
		}
		i.salts.put(key, "", size)
	}
	if res.KeyID != nil {
		key := endpoint + "\x00" + string(res.KeyID)
		if _, seen := i.keyids.get(key); seen {
			add("ece.keyid.fresh", Fail, "the ephemeral key "+b64short(res.KeyID)+" was used "+
				"for an earlier message to this subscription; make one per message")
		} else {
			add("ece.keyid.fresh", Pass, "an ephemeral key not seen before")
		}
		i.keyids.put(key, "", size)
	}
	if res.Token != "" {
		key := string(res.VAPIDKey) + "\x00" + res.Audience + "\x00" + res.Subject
		if prev, seen := i.tokens.get(key); seen {
			if prev == res.Token {
				add("vapid.jwt.reuse", Pass, "the token of an earlier message is reused")
			} else {
				add("vapid.jwt.reuse", Info, "a new token for a second message to "+
					short(res.Audience)+"; a token may serve until its exp (Apple asks for at "+
					"most one new token an hour)")
			}
		}
		i.tokens.put(key, res.Token, size)
	}
}

// memory is a set that remembers at least its last n keys: two generations,
// the older dropped when the newer fills.
type memory struct {
	cur, old map[string]string
}

func (m *memory) get(k string) (string, bool) {
	if v, ok := m.cur[k]; ok {
		return v, true
	}
	v, ok := m.old[k]
	return v, ok
}

func (m *memory) put(k, v string, n int) {
	if m.cur == nil {
		m.cur = make(map[string]string)
	}
	if len(m.cur) >= n {
		m.old, m.cur = m.cur, make(map[string]string)
	}
	m.cur[k] = v
}
