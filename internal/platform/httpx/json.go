package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// DefaultMaxBodyBytes limits bodies Decode reads when no Middleware set a
// limit, so a handler mounted without Middleware is still bounded.
const DefaultMaxBodyBytes = 1 << 20

// JSON writes v as a JSON response with the given status. v is encoded
// before anything is sent, so an encoding failure (a bug: a channel, a NaN)
// becomes a clean 500 problem rather than a truncated success.
func JSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		jsonFailed(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// jsonFailed logs an encoding failure under the request id when the writer is
// Middleware's (JSON takes no request, to keep the success path lean).
func jsonFailed(w http.ResponseWriter, err error) {
	p := Problem{Status: http.StatusInternalServerError, Code: apperr.Internal.String(), Detail: internalDetail}
	logger := slog.Default()
	if rw, ok := w.(*responseWriter); ok && rw.st != nil {
		p.RequestID, logger = rw.st.id, rw.st.logger
	}
	logger.LogAttrs(context.Background(), slog.LevelError, "encode response",
		slog.String("request_id", p.RequestID), slog.String("error", err.Error()))
	writeProblem(w, p)
}

// Decode reads a JSON request body into v. It requires a JSON media type,
// rejects unknown fields, malformed or truncated JSON, an empty body and
// data after the value, and bodies over the limit. The returned error is an
// *apperr.Error (400, 413 or 415) that the caller passes to WriteError.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if !isJSON(r.Header.Get("Content-Type")) {
		return &apperr.Error{Kind: apperr.UnsupportedMediaType, Code: "unsupported_media_type",
			Message: "The request body must be JSON (Content-Type: application/json)."}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return errEmptyBody
	}
	body := r.Body
	if st := stateFrom(r.Context()); st == nil || st.maxBody <= 0 {
		body = http.MaxBytesReader(w, r.Body, DefaultMaxBodyBytes)
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	// One value per body: anything after it is a client bug we should name.
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(mbe.Limit)
		}
		return &apperr.Error{Kind: apperr.BadRequest, Code: "trailing_data",
			Message: "The request body has data after the JSON value.", Err: err}
	}
	return nil
}

var errEmptyBody = &apperr.Error{Kind: apperr.BadRequest, Code: "empty_body", Message: "The request body is empty."}

// isJSON accepts application/json and structured types like
// application/merge-patch+json, ignoring parameters such as charset.
func isJSON(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	if strings.EqualFold(ct, "application/json") {
		return true
	}
	return len(ct) > len("application/+json") &&
		strings.EqualFold(ct[:len("application/")], "application/") &&
		strings.EqualFold(ct[len(ct)-len("+json"):], "+json")
}

func tooLarge(limit int64) *apperr.Error {
	return &apperr.Error{Kind: apperr.TooLarge, Code: "body_too_large",
		Message: "The request body is larger than " + strconv.FormatInt(limit, 10) + " bytes."}
}

// decodeError turns encoding/json's errors into messages that name the
// problem: where the syntax breaks, which field has which wrong type, which
// field is unknown.
func decodeError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
		inv *json.InvalidUnmarshalError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errEmptyBody
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &apperr.Error{Kind: apperr.BadRequest, Code: "malformed_json",
			Message: "The request body ends in the middle of a JSON value.", Err: err}
	case errors.As(err, &syn):
		return &apperr.Error{Kind: apperr.BadRequest, Code: "malformed_json",
			Message: "The request body is not valid JSON at byte " + strconv.FormatInt(syn.Offset, 10) + ": " + syn.Error() + ".", Err: err}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		detail := "must be " + jsonType(typ.Type) + ", not " + typ.Value
		return &apperr.Error{Kind: apperr.BadRequest, Code: "wrong_type",
			Message: "Field " + field + " " + detail + ".", Err: err,
			Fields: []apperr.FieldError{{Field: field, Detail: detail}}}
	case errors.As(err, &mbe):
		return tooLarge(mbe.Limit)
	case errors.As(err, &inv):
		return err // a bug in the caller (non-pointer v): a 500 is right
	}
	// encoding/json has no type for unknown fields; the message is stable:
	// json: unknown field "name".
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &apperr.Error{Kind: apperr.BadRequest, Code: "unknown_field",
			Message: "The request body has an unknown field " + strconv.Quote(name) + ".", Err: err,
			Fields: []apperr.FieldError{{Field: name, Detail: "unknown field"}}}
	}
	// Anything else is a failure to read the body (client gone, timeout).
	return &apperr.Error{Kind: apperr.BadRequest, Code: "unreadable_body",
		Message: "The request body could not be read.", Err: err}
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return "a " + t.String()
}

// Reply answers with v as JSON, or with err as problem+json when err is not nil. The answer is
// the caller's own (a cart, an order), so no cache may keep it.
func Reply[T any](w http.ResponseWriter, r *http.Request, status int, v T, err error) {
	if err != nil {
		WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	JSON(w, status, v)
}
