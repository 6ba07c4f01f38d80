package auth

import (
	"context"
	"net/http"
	"time"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// AuditEntry is one security event or admin write, for the audit log the identity service keeps.
type AuditEntry struct {
	ID        string            `json:"id"`
	Time      time.Time         `json:"time"`
	Service   string            `json:"service"`          // the service that recorded it
	Actor     string            `json:"actor"`            // the caller's subject; "" when anonymous
	Action    string            `json:"action"`           // e.g. "user.login", "product.update"
	Target    string            `json:"target"`           // what was acted on, e.g. "product:p_123"
	Outcome   string            `json:"outcome"`          // "success" or "failure"
	RequestID string            `json:"request_id"`       // to find the request in the logs
	ClientIP  string            `json:"client_ip"`        // the client address as httpx sees it
	Detail    map[string]string `json:"detail,omitempty"` // small extra facts; never secrets
}

// Audit outcomes.
const (
	Success = "success"
	Failure = "failure"
)

// Auditor records audit entries. The identity service implements it; a service that changes
// data through its admin API records each write, e.g.
//
//	a.Record(ctx, auth.AuditOf(r, "catalog", "product.update", "product:"+id))
type Auditor interface {
	Record(ctx context.Context, e AuditEntry) error
}

// AuditOf returns a successful entry for request r's caller, with its request id and address.
func AuditOf(r *http.Request, service, action, target string) AuditEntry {
	return AuditEntry{
		Time: time.Now().UTC(), Service: service, Actor: FromContext(r.Context()).Subject,
		Action: action, Target: target, Outcome: Success,
		RequestID: httpx.RequestID(r.Context()), ClientIP: httpx.ClientIP(r),
	}
}
