package identity

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// cursor is a keyset pagination position: the sort time and id of the last item returned.
type cursor struct {
	at int64
	id string
}

func (c cursor) zero() bool { return c.id == "" }

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.at, 10) + "|" + c.id))
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	at, id, ok := strings.Cut(string(b), "|")
	n, err2 := strconv.ParseInt(at, 10, 64)
	if err != nil || !ok || err2 != nil || id == "" || !plainText(id) {
		return cursor{}, invalid("cursor", "is not a cursor this API returned")
	}
	return cursor{at: n, id: id}, nil
}

// pageLimit checks a requested page size, defaulting to def and capped at most.
func pageLimit(n, def, most int) (int, error) {
	switch {
	case n == 0:
		return def, nil
	case n < 1 || n > most:
		return 0, invalid("limit", "must be from 1 to "+strconv.Itoa(most))
	}
	return n, nil
}
