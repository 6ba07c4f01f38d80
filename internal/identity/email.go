package identity

import (
	"net/mail"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// maxEmailLength is the longest address SMTP can deliver to (RFC 5321).
const maxEmailLength = 254

// normalizeEmail returns the form an address is stored and compared in: trimmed, NFC, lowercase.
// Lowercasing the local part is not strictly RFC 5321, but no mailbox provider in use tells
// "Ann@" from "ann@", and two accounts that differ only in case are always a mistake or an
// attack. The second result says what is wrong with the address, or "" when it is usable.
func normalizeEmail(s string) (string, string) {
	e := strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
	switch {
	case e == "":
		return "", "is required"
	case len(e) > maxEmailLength:
		return "", "must be at most 254 characters"
	case strings.ContainsAny(e, " \t\r\n<>\"(),;:\\[]"):
		return "", "must be a plain address like ann@example.com"
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", "must be a plain address like ann@example.com"
	}
	local, domain, _ := strings.Cut(e, "@")
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", "must be a plain address like ann@example.com"
	}
	return e, ""
}
