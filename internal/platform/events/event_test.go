package events

import (
	"testing"
	"time"
)

func TestCheckType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ string
		ok  bool
	}{
		{"product.upserted", true},
		{"order", true},
		{"", false},
		{"product.*", false},
		{"order.>", false},
		{"has space", false},
		{".leading", false},
		{"trailing.", false},
		{"double..dot", false},
	}
	for _, tt := range tests {
		if err := checkType(tt.typ); (err == nil) != tt.ok {
			t.Errorf("checkType(%q) = %v, want ok=%v", tt.typ, err, tt.ok)
		}
	}
}

func TestDefaultBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 100 * time.Millisecond},
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{5, 1600 * time.Millisecond},
		{9, 25600 * time.Millisecond},
		{10, 30 * time.Second},
		{1000, 30 * time.Second},
	}
	for _, tt := range tests {
		if got := DefaultBackoff(tt.attempt); got != tt.want {
			t.Errorf("DefaultBackoff(%d) = %s, want %s", tt.attempt, got, tt.want)
		}
	}
}

func TestRedactURLs(t *testing.T) {
	t.Parallel()
	got := redactURLs("nats://user:secret@a:4222, nats://token@b:4222")
	if want := "nats://a:4222,nats://b:4222"; got != want {
		t.Errorf("redactURLs = %q, want %q", got, want)
	}
}

func TestSubjectMatches(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		filter, subject string
		want            bool
	}{
		{"pasar.product.*", "pasar.product.upserted", true},
		{"pasar.product.*", "pasar.category.upserted", false},
		{"pasar.product.*", "pasar.product.upserted.v2", false},
		{"pasar.>", "pasar.order.placed", true},
		{"pasar.order.placed", "pasar.order.placed", true},
		{"pasar.order.placed", "pasar.order", false},
		{"pasar.*.placed", "pasar.order.placed", true},
	} {
		if got := subjectMatches(c.filter, c.subject); got != c.want {
			t.Errorf("%s ~ %s = %v", c.filter, c.subject, got)
		}
	}
}
