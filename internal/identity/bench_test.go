package identity

import (
	"context"
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// Login throughput with the default argon2id cost (DefaultArgon2, the PASAR_ARGON2_* defaults).
// The baseline is one bare argon2id hash with the same cost: a login is one hash plus the
// limit check, the refresh token insert, the audit row and a token signature.
//
//	go test -run '^$' -bench 'Argon2|Login' -benchtime 200x ./internal/identity/

func BenchmarkArgon2idBaseline(b *testing.B) {
	p := DefaultArgon2
	salt := make([]byte, saltLen)
	rand.Read(salt)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			argon2.IDKey([]byte(goodPassword), salt, p.Iterations, p.MemoryKiB, p.Threads, keyLen)
		}
	})
}

func BenchmarkLogin(b *testing.B) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			d := dbtest.Open(b, e)
			ctx := context.Background()
			if _, err := db.Migrate(ctx, d, "events", events.Migrations); err != nil {
				b.Fatal(err)
			}
			if _, err := db.Migrate(ctx, d, "identity", Migrations); err != nil {
				b.Fatal(err)
			}
			core, err := New(ctx, d, events.NewOutbox(d, nil, "identity", nil), Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := core.Register(ctx, Credentials{"ann@example.com", goodPassword}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := core.Login(ctx, Credentials{"ann@example.com", goodPassword}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
