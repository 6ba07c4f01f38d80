package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Record writes an entry to the audit log. Missing time, request id and client address are
// taken from now and ctx. Any service may record (it is how admin writes everywhere are
// logged), so Record checks nothing but the entry's shape.
func (c *Core) Record(ctx context.Context, e auth.AuditEntry) error {
	var fields []apperr.FieldError
	if e.Service == "" || len(e.Service) > 64 {
		fields = append(fields, apperr.FieldError{Field: "service", Detail: "is required (at most 64 characters)"})
	}
	if e.Action == "" || len(e.Action) > 128 {
		fields = append(fields, apperr.FieldError{Field: "action", Detail: "is required (at most 128 characters)"})
	}
	if e.Outcome != "" && e.Outcome != auth.Success && e.Outcome != auth.Failure {
		fields = append(fields, apperr.FieldError{Field: "outcome", Detail: "must be success or failure"})
	}
	fields = append(fields, textFields("service", e.Service, "action", e.Action, "actor", e.Actor,
		"target", e.Target, "request_id", e.RequestID, "client_ip", e.ClientIP)...)
	for k, v := range e.Detail {
		fields = append(fields, textFields("detail", k+v)...)
	}
	if len(fields) > 0 {
		return apperr.Invalid(fields...)
	}
	if e.Time.IsZero() {
		e.Time = c.opts.Now()
	}
	if e.RequestID == "" {
		e.RequestID = httpx.RequestID(ctx)
	}
	if e.ClientIP == "" {
		e.ClientIP = clientIP(ctx)
	}
	if e.Outcome == "" {
		e.Outcome = auth.Success
	}
	detail := "{}"
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return err
		}
		detail = string(b)
	}
	_, err := c.d.ExecContext(ctx, `INSERT INTO audit_log (id, at, service, actor, action, target, outcome, request_id, client_ip, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, newID(), e.Time.UnixMilli(), e.Service, e.Actor, e.Action,
		e.Target, e.Outcome, e.RequestID, e.ClientIP, detail)
	return wrap("record audit entry", err)
}

// ListAudit returns a page of the audit log, newest first. It needs auth.AuditRead.
func (c *Core) ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error) {
	if err := auth.Check(ctx, auth.AuditRead); err != nil {
		return AuditPage{}, err
	}
	var err error
	if f.Limit, err = pageLimit(f.Limit, 50, 200); err != nil {
		return AuditPage{}, err
	}
	before, err := parseCursor(f.Cursor)
	if err != nil {
		return AuditPage{}, err
	}
	if fe := textFields("actor", f.Actor, "action", f.Action, "target", f.Target, "service", f.Service,
		"outcome", f.Outcome); len(fe) > 0 {
		return AuditPage{}, apperr.Invalid(fe...)
	}
	where, args := []string{"1=1"}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	for col, v := range map[string]string{"actor": f.Actor, "action": f.Action, "target": f.Target,
		"service": f.Service, "outcome": f.Outcome} {
		if v != "" {
			where = append(where, col+" = "+arg(v))
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+arg(f.Since.UnixMilli()))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < "+arg(f.Until.UnixMilli()))
	}
	if !before.zero() {
		where = append(where, "(at < "+arg(before.at)+" OR (at = "+arg(before.at)+" AND id < "+arg(before.id)+"))")
	}
	rows, err := c.d.QueryContext(ctx, `SELECT id, at, service, actor, action, target, outcome, request_id, client_ip, detail
		FROM audit_log WHERE `+strings.Join(where, " AND ")+` ORDER BY at DESC, id DESC LIMIT `+arg(f.Limit+1), args...)
	if err != nil {
		return AuditPage{}, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	page := AuditPage{Entries: []auth.AuditEntry{}}
	for rows.Next() {
		var e auth.AuditEntry
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.Service, &e.Actor, &e.Action, &e.Target, &e.Outcome, &e.RequestID,
			&e.ClientIP, &detail); err != nil {
			return AuditPage{}, fmt.Errorf("list audit: %w", err)
		}
		e.Time = time.UnixMilli(at).UTC()
		if detail != "{}" {
			_ = json.Unmarshal([]byte(detail), &e.Detail) // written by Record from a map; cannot be other JSON
		}
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return AuditPage{}, fmt.Errorf("list audit: %w", err)
	}
	if len(page.Entries) > f.Limit {
		page.Entries = page.Entries[:f.Limit]
		last := page.Entries[f.Limit-1]
		page.Next = cursor{at: last.Time.UnixMilli(), id: last.ID}.String()
	}
	return page, nil
}
