package checks

import (
	"fmt"
	"strings"
)

// param is one name=value parameter of a header field.
type param struct{ name, value string }

// parseParams reads a header value made of entries separated by ',' whose
// parameters are separated by ';', each "name=value" with optional spaces
// around the separators and an optional quoted-string value. This covers
// auth-params (RFC 9110 §11.2), Encryption and Crypto-Key. Values are read
// permissively (padding '=' and '+' included) so that their encoding can be
// judged by the caller.
func parseParams(v string) ([][]param, error) {
	var entries [][]param
	var cur []param
	i := 0
	skipOWS := func() {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
	}
	for {
		skipOWS()
		if i == len(v) {
			break
		}
		start := i
		for i < len(v) && isTchar(v[i]) {
			i++
		}
		name := v[start:i]
		if name == "" {
			return nil, fmt.Errorf("expected a parameter name at offset %d, found %q", i, v[i])
		}
		skipOWS()
		if i == len(v) || v[i] != '=' {
			return nil, fmt.Errorf("parameter %q has no '=' value", name)
		}
		i++
		skipOWS()

		var value string
		if i < len(v) && v[i] == '"' {
			var sb strings.Builder
			i++
			for ; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				sb.WriteByte(v[i])
			}
			if i == len(v) {
				return nil, fmt.Errorf("parameter %q has an unterminated quoted value", name)
			}
			i++
			value = sb.String()
		} else {
			start := i
			for i < len(v) && !strings.ContainsRune(" \t,;\"", rune(v[i])) {
				i++
			}
			value = v[start:i]
		}
		cur = append(cur, param{strings.ToLower(name), value})

		skipOWS()
		if i == len(v) {
			break
		}
		switch v[i] {
		case ';':
			i++
		case ',':
			i++
			entries = append(entries, cur)
			cur = nil
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d after parameter %q", v[i], i, name)
		}
	}
	if cur != nil {
		entries = append(entries, cur)
	}
	return entries, nil
}

// isTchar reports whether c may appear in an HTTP token (RFC 9110 §5.6.2).
func isTchar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// values returns every value of parameter name across all entries.
func values(entries [][]param, name string) []string {
	var out []string
	for _, e := range entries {
		for _, p := range e {
			if p.name == name {
				out = append(out, p.value)
			}
		}
	}
	return out
}

// parseHeaderParams parses every field of a header as one list of entries.
func parseHeaderParams(fields []string) ([][]param, error) {
	var all [][]param
	for _, f := range fields {
		e, err := parseParams(f)
		if err != nil {
			return nil, err
		}
		all = append(all, e...)
	}
	return all, nil
}
