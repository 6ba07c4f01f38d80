package identity

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

func insertClient(ctx context.Context, q db.Querier, sc ServiceClient) error {
	perms, err := json.Marshal(sc.Permissions)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO service_clients (id, name, secret_hash, permissions, created_at)
		VALUES ($1, $2, $3, $4, $5)`, sc.ID, sc.Name, tokenHash(sc.Secret), string(perms), sc.CreatedAt.UnixMilli())
	if db.IsUniqueViolation(err) {
		return ErrClientNameTaken
	}
	return wrap("insert service client", err)
}

// ServiceToken is the client-credentials grant: a registered service trades its id and secret
// for an access token that carries only its permissions. There is no refresh token; the
// service asks again when the token nears expiry.
func (c *Core) ServiceToken(ctx context.Context, clientID, secret string) (Tokens, error) {
	if clientID == "" || len(clientID) > 64 || !plainText(clientID) {
		return Tokens{}, invalid("client_id", "is required")
	}
	if secret == "" || len(secret) > 128 || !plainText(secret) {
		return Tokens{}, invalid("client_secret", "is required")
	}
	keys := []limitKey{{"client:" + clientID, c.opts.Limits.AccountFree}}
	if err := c.checkLimits(ctx, keys); err != nil {
		return Tokens{}, err
	}
	var name, hash, perms string
	var disabled *int64
	err := c.d.QueryRowContext(ctx, `SELECT name, secret_hash, permissions, disabled_at FROM service_clients WHERE id = $1`,
		clientID).Scan(&name, &hash, &perms, &disabled)
	if err != nil && !isNoRows(err) {
		return Tokens{}, fmt.Errorf("load service client: %w", err)
	}
	if err != nil || disabled != nil || subtle.ConstantTimeCompare([]byte(hash), []byte(tokenHash(secret))) != 1 {
		if err := c.fail(ctx, keys); err != nil {
			return Tokens{}, err
		}
		return Tokens{}, ErrInvalidClient
	}
	var p auth.Principal
	if err := json.Unmarshal([]byte(perms), &p.Permissions); err != nil {
		return Tokens{}, fmt.Errorf("service client %s permissions: %w", clientID, err)
	}
	p.Subject, p.Service = "service:"+name, true
	access, err := c.accessToken(ctx, p)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(c.opts.AccessTTL / time.Second)}, nil
}

// IssueServiceToken signs an access token for a service of this process (subject
// "service:"+name, permissions perms) without a registered client: a process that runs identity
// holds the signing keys, so it vouches for its own calls to services in other processes.
func (c *Core) IssueServiceToken(ctx context.Context, name string, perms []auth.Permission) (Tokens, error) {
	p := auth.Principal{Subject: "service:" + name, Service: true, Permissions: perms}
	access, err := c.accessToken(ctx, p)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(c.opts.AccessTTL / time.Second)}, nil
}
