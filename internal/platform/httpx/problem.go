package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// ContentTypeProblem is the media type of RFC 9457 problem documents.
const ContentTypeProblem = "application/problem+json"

// internalDetail is all a client learns about a 5xx: the cause is in the log
// under the request id, which the problem carries.
const internalDetail = "Something went wrong on our side. Quote the request id when reporting it."

// Problem is an RFC 9457 problem document with Pasar's extensions: a stable
// machine "code", the "request_id" and per-field "errors".
type Problem struct {
	Type      string              `json:"type,omitempty"` // omitted means "about:blank"
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	Code      string              `json:"code,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
}

// statusByKind is the one table from error kind to HTTP status.
var statusByKind = [...]int{
	apperr.Internal:             http.StatusInternalServerError,
	apperr.InvalidInput:         http.StatusUnprocessableEntity,
	apperr.BadRequest:           http.StatusBadRequest,
	apperr.Unauthenticated:      http.StatusUnauthorized,
	apperr.Forbidden:            http.StatusForbidden,
	apperr.NotFound:             http.StatusNotFound,
	apperr.Conflict:             http.StatusConflict,
	apperr.PreconditionFailed:   http.StatusPreconditionFailed,
	apperr.TooLarge:             http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMediaType: http.StatusUnsupportedMediaType,
	apperr.RateLimited:          http.StatusTooManyRequests,
	apperr.Unavailable:          http.StatusServiceUnavailable,
	apperr.PaymentRequired:      http.StatusPaymentRequired,
}

// StatusOf returns the HTTP status for an error kind.
func StatusOf(k apperr.Kind) int {
	if int(k) < len(statusByKind) {
		return statusByKind[k]
	}
	return http.StatusInternalServerError
}

// KindForStatus is the inverse of StatusOf, for HTTP clients turning an
// answer back into an error; statuses outside the table fall back by class.
func KindForStatus(status int) apperr.Kind {
	for k, s := range statusByKind {
		if s == status {
			return apperr.Kind(k)
		}
	}
	switch {
	case status == http.StatusBadGateway, status == http.StatusGatewayTimeout:
		return apperr.Unavailable
	case status >= 400 && status < 500:
		return apperr.BadRequest
	default:
		return apperr.Internal
	}
}

// WriteError answers with the problem for err. The status comes from the
// error's kind. For 5xx the client gets a generic detail and the request id,
// and the error (with its internal cause) is logged under that id.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	kind := apperr.KindOf(err)
	p := Problem{}
	// A handler reading the body itself meets the Middleware's limit as
	// *http.MaxBytesError; that is the client's 413, not our 500.
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) && kind == apperr.Internal {
		kind = apperr.TooLarge
		p.Code, p.Detail = "body_too_large", "The request body is larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes."
	}
	p.Status = StatusOf(kind)
	if p.Code == "" {
		p.Code = kind.String()
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == kind {
		if ae.Code != "" {
			p.Code = ae.Code
		}
		p.Detail = ae.Message
		p.Errors = ae.Fields
	}
	if p.Status >= 500 {
		// Message is client-safe by contract, but a 5xx is where a careless
		// err.Error() would end up, so 5xx never shows any of it.
		p.Detail, p.Errors = internalDetail, nil
		level := slog.LevelError
		if kind == apperr.Unavailable { // timeouts and outages: expected, not bugs
			level = slog.LevelWarn
		}
		loggerFor(r).LogAttrs(r.Context(), level, "request failed",
			slog.String("request_id", RequestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", p.Status),
			slog.String("error", err.Error()))
	}
	WriteProblem(w, r, p)
}

// WriteProblem writes p as application/problem+json, filling the title,
// instance and request id when they are empty.
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if st := stateFrom(r.Context()); st != nil && st.rw.wroteHeader {
		// Too late for a status; say so in the log rather than append JSON
		// to a body the client is already reading.
		st.logger.LogAttrs(r.Context(), slog.LevelWarn, "problem after response started",
			slog.String("request_id", st.id), slog.Int("status", p.Status), slog.String("code", p.Code))
		return
	}
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	if p.RequestID == "" {
		p.RequestID = RequestID(r.Context())
	}
	if wantsHTML(r) {
		writeProblemHTML(w, p)
		return
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	body, err := json.Marshal(p)
	if err != nil { // only strings and ints: cannot happen, but never send half a document
		body = []byte(`{"title":"Internal Server Error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	h := w.Header()
	// Headers a handler set for the success it did not produce would lie.
	h.Del("Content-Encoding")
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Content-Type", ContentTypeProblem)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}
