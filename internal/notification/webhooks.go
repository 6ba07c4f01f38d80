package notification

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
)

// WebhookTypes are the event types an endpoint can ask for ("*" asks for all of them). Events
// that carry secrets, such as password reset tokens, are never sent.
var WebhookTypes = []string{"order.placed", "order.paid", "order.shipped", "order.delivered", "order.cancelled",
	"order.refunded", "payment.refunded", "stock.changed"}

// Limits on endpoints.
const (
	MaxURLLength   = 2000
	MaxEventTypes  = 20
	MaxDescription = 500
	DefaultLimit   = 50
	MaxLimit       = 200
)

// SecretPrefix starts every endpoint secret (Standard Webhooks): the rest is base64 of the key.
const SecretPrefix = "whsec_"

// Endpoint is a merchant URL that receives signed events.
type Endpoint struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	EventTypes  []string  `json:"event_types"`
	Description string    `json:"description,omitempty"`
	Secret      string    `json:"secret,omitempty"` // shown on create and on a single read only
	CreatedAt   time.Time `json:"created_at"`
}

// EndpointRequest registers an endpoint. An empty Secret gets a new random one.
type EndpointRequest struct {
	URL         string   `json:"url"`
	EventTypes  []string `json:"event_types"`
	Description string   `json:"description"`
	Secret      string   `json:"secret"`
}

// Errors of the webhook API.
var (
	ErrEndpointNotFound = apperr.New(apperr.NotFound, "webhook_not_found", "No such webhook endpoint.")
)

func (r *EndpointRequest) validate(allowPrivate bool) error {
	var errs []apperr.FieldError
	u, err := url.Parse(r.URL)
	switch {
	case r.URL == "" || len(r.URL) > MaxURLLength:
		errs = append(errs, apperr.FieldError{Field: "url", Detail: fmt.Sprintf("is required: an http or https URL of at most %d bytes", MaxURLLength)})
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "":
		errs = append(errs, apperr.FieldError{Field: "url", Detail: "must be an absolute http or https URL without a fragment"})
	case !allowPrivate && privateHost(u.Hostname()):
		errs = append(errs, apperr.FieldError{Field: "url", Detail: u.Hostname() + " " + ErrPrivateTarget.Error()})
	}
	if len(r.EventTypes) == 0 || len(r.EventTypes) > MaxEventTypes {
		errs = append(errs, apperr.FieldError{Field: "event_types", Detail: fmt.Sprintf("give 1 to %d event types, or [\"*\"] for all", MaxEventTypes)})
	}
	for i, t := range r.EventTypes {
		if t != "*" && !slices.Contains(WebhookTypes, t) {
			errs = append(errs, apperr.FieldError{Field: fmt.Sprintf("event_types[%d]", i),
				Detail: "must be * or one of " + strings.Join(WebhookTypes, ", ")})
		}
	}
	if len(r.Description) > MaxDescription {
		errs = append(errs, apperr.FieldError{Field: "description", Detail: fmt.Sprintf("must be at most %d bytes", MaxDescription)})
	}
	if r.Secret != "" {
		if _, err := secretKey(r.Secret); err != nil {
			errs = append(errs, apperr.FieldError{Field: "secret", Detail: "must be whsec_ and the base64 of 24 to 64 random bytes"})
		}
	}
	if len(errs) > 0 {
		return apperr.Invalid(errs...)
	}
	return nil
}

// secretKey returns the HMAC key of a whsec_ secret.
func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errors.New("no whsec_ prefix")
	}
	k, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(k) < 24 || len(k) > 64 {
		return nil, errors.New("bad key")
	}
	return k, nil
}

// NewSecret returns a random endpoint secret.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

func newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// CreateEndpoint registers an endpoint (auth.WebhooksManage) and returns it with its secret.
func (s *Service) CreateEndpoint(ctx context.Context, r EndpointRequest) (Endpoint, error) {
	if err := auth.Check(ctx, auth.WebhooksManage); err != nil {
		return Endpoint{}, err
	}
	if err := r.validate(s.o.AllowPrivateTargets); err != nil {
		return Endpoint{}, err
	}
	if r.Secret == "" {
		r.Secret = NewSecret()
	}
	types := slices.Compact(slices.Sorted(slices.Values(r.EventTypes)))
	if slices.Contains(types, "*") {
		types = []string{"*"}
	}
	e := Endpoint{ID: newID("ep_"), URL: r.URL, EventTypes: types, Description: r.Description, Secret: r.Secret,
		CreatedAt: s.o.Now().UTC().Truncate(time.Millisecond)}
	raw, _ := json.Marshal(types)
	_, err := s.d.ExecContext(ctx, `INSERT INTO notification_endpoints (id, url, secret, event_types, description, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, e.ID, e.URL, e.Secret, string(raw), e.Description, ms(e.CreatedAt))
	if err != nil {
		return Endpoint{}, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return e, nil
}

const endpointColumns = `SELECT id, url, secret, event_types, description, created_at FROM notification_endpoints`

func scanEndpoint(scan func(...any) error) (Endpoint, error) {
	var e Endpoint
	var types string
	var created int64
	if err := scan(&e.ID, &e.URL, &e.Secret, &types, &e.Description, &created); err != nil {
		return e, err
	}
	e.CreatedAt = fromMS(created)
	return e, json.Unmarshal([]byte(types), &e.EventTypes)
}

// Endpoint returns endpoint id with its secret (auth.WebhooksManage).
func (s *Service) Endpoint(ctx context.Context, id string) (Endpoint, error) {
	if err := auth.Check(ctx, auth.WebhooksManage); err != nil {
		return Endpoint{}, err
	}
	e, err := scanEndpoint(s.d.QueryRowContext(ctx, endpointColumns+` WHERE id = $1 AND deleted_at IS NULL`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrEndpointNotFound
	}
	return e, err
}

// Endpoints lists the endpoints, oldest first, without their secrets (auth.WebhooksManage).
func (s *Service) Endpoints(ctx context.Context) ([]Endpoint, error) {
	if err := auth.Check(ctx, auth.WebhooksManage); err != nil {
		return nil, err
	}
	rows, err := s.d.QueryContext(ctx, endpointColumns+` WHERE deleted_at IS NULL ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	defer rows.Close()
	out := []Endpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("list webhook endpoints: %w", err)
		}
		e.Secret = ""
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeleteEndpoint removes endpoint id (auth.WebhooksManage): it gets no new deliveries, and its
// pending ones are given up; its delivery log stays readable.
func (s *Service) DeleteEndpoint(ctx context.Context, id string) error {
	if err := auth.Check(ctx, auth.WebhooksManage); err != nil {
		return err
	}
	res, err := s.d.ExecContext(ctx, `UPDATE notification_endpoints SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL`,
		ms(s.o.Now()), id)
	if err != nil {
		return fmt.Errorf("delete webhook endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrEndpointNotFound
	}
	return nil
}
