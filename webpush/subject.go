package webpush

import (
	"fmt"
	"net/url"
	"strings"
)

// checkMailto checks the part of a mailto: URI after the scheme: exactly one
// addr-spec (RFC 6068 §2, RFC 5322 §3.4.1), optionally followed by hfields.
func checkMailto(rest string) error {
	if strings.HasPrefix(strings.ToLower(rest), "mailto:") {
		return fmt.Errorf("mailto: appears twice")
	}
	to, _, _ := strings.Cut(rest, "?")
	addr, err := url.PathUnescape(to)
	if err != nil {
		return fmt.Errorf("bad percent-encoding in %q", to)
	}
	if addr == "" {
		return fmt.Errorf("no address after mailto:")
	}
	if strings.Contains(addr, ",") {
		return fmt.Errorf("%q holds several addresses; give one contact", addr)
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return fmt.Errorf("%q has no @", addr)
	}
	local, domain := addr[:at], addr[at+1:]
	if !isDotAtom(local) && !isQuotedLocal(local) {
		return fmt.Errorf("local part %q is not a dot-atom or quoted string (RFC 5322 §3.4.1)",
			local)
	}
	if !isDomain(domain) {
		return fmt.Errorf("domain %q is not a host name", domain)
	}
	return nil
}

// checkHTTPS checks an https: contact URI: absolute, with a host.
func checkHTTPS(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URI: %v", err)
	}
	if u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q has no host; write https://host/…", s)
	}
	if strings.ContainsAny(s, " \t<>\"") {
		return fmt.Errorf("%q holds characters a URI cannot", s)
	}
	return nil
}

// isAtext reports whether c is an atext character (RFC 5322 §3.2.3).
func isAtext(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isDotAtom(s string) bool {
	if s == "" {
		return false
	}
	for _, atom := range strings.Split(s, ".") {
		if atom == "" {
			return false
		}
		for i := 0; i < len(atom); i++ {
			if !isAtext(atom[i]) {
				return false
			}
		}
	}
	return true
}

func isQuotedLocal(s string) bool {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// isDomain accepts a DNS name of letters, digits and hyphens, or an address
// literal in brackets.
func isDomain(s string) bool {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && len(s) > 2 {
		return true
	}
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
				c == '-') {
				return false
			}
		}
	}
	return true
}
