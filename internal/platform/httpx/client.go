package httpx

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// ErrorFromResponse turns an error answer from a Pasar service back into an
// *apperr.Error with the same Kind and Code, so a service's HTTP client
// returns errors that match the service's sentinels under errors.Is. It
// reads (up to 64 KiB of) the body but does not close it.
func ErrorFromResponse(resp *http.Response) *apperr.Error {
	e := &apperr.Error{Kind: KindForStatus(resp.StatusCode), Message: http.StatusText(resp.StatusCode)}
	e.Code = e.Kind.String()
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != ContentTypeProblem {
		return e
	}
	var p Problem
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&p); err != nil {
		e.Err = err
		return e
	}
	if p.Code != "" {
		e.Code = p.Code
	}
	if p.Detail != "" {
		e.Message = p.Detail
	}
	e.Fields = p.Errors
	if p.RequestID != "" {
		// Keeps the remote request id in our logs, without showing it as ours.
		e.Err = &remoteError{requestID: p.RequestID, status: resp.StatusCode}
	}
	return e
}

// remoteError records which remote request failed, for the logs.
type remoteError struct {
	requestID string
	status    int
}

func (e *remoteError) Error() string {
	return "remote " + http.StatusText(e.status) + " (request_id " + e.requestID + ")"
}
