package waf

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/corazawaf/coraza/v3/types"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// errUnreadableBody answers a body that broke off before its end.
var errUnreadableBody = apperr.New(apperr.BadRequest, "body_unreadable", "The request body could not be read.")

// Wrap screens every request before next sees it. In Block mode a flagged request gets a 403
// problem+json (400 when its body cannot be parsed, 413 when it is too large) carrying an
// incident id, and one warning log line with that id, the rule ids, the anomaly score and the
// request id. In Detect mode the same line is logged and the request goes on.
func (w *WAF) Wrap(next http.Handler) http.Handler {
	if w.waf == nil {
		return next
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var key string
		if w.seen != nil {
			if key = verdictKey(r); key != "" && w.seen.passed(key) {
				next.ServeHTTP(rw, r)
				return
			}
		}
		tx := w.waf.NewTransaction()
		defer func() {
			tx.ProcessLogging()
			_ = tx.Close() // only fails removing temporary files, which in-memory bodies never make
		}()
		it, err := process(tx, r)
		if err != nil {
			// The body could not be read: over the Middleware's limit (WriteError makes that a
			// 413), or cut short by the client.
			if mbe := (*http.MaxBytesError)(nil); !errors.As(err, &mbe) {
				err = errUnreadableBody.WithCause(err)
			}
			httpx.WriteError(rw, r, err)
			return
		}
		if it != nil {
			w.block(rw, r, tx, it)
			return
		}
		rules, score := flagged(tx.MatchedRules())
		switch {
		case score > 0 && w.mode == Detect:
			w.logIncident(r, tx.ID(), "WAF detected", rules, score)
			w.report("detected")
		case key != "":
			// Passed, and nothing was logged: the same request would pass again, silently.
			w.seen.remember(key)
		}
		next.ServeHTTP(rw, r)
	})
}

// process feeds the request to the transaction: connection, request line, headers, then the body
// when there is one. The body is buffered by Coraza (up to the limit) and handed on to next.
func process(tx types.Transaction, r *http.Request) (*types.Interruption, error) {
	host, port := splitHostPort(r.RemoteAddr)
	tx.ProcessConnection(host, port, "", 0)
	tx.ProcessURI(r.URL.RequestURI(), r.Method, r.Proto)
	for k, vs := range r.Header {
		for _, v := range vs {
			tx.AddRequestHeader(k, v)
		}
	}
	if r.Host != "" {
		tx.AddRequestHeader("Host", r.Host)
		tx.SetServerName(r.Host)
	}
	for _, te := range r.TransferEncoding { // net/http moves it out of Header
		tx.AddRequestHeader("Transfer-Encoding", te)
	}
	if it := tx.ProcessRequestHeaders(); it != nil {
		return it, nil
	}
	if r.Body != nil && r.Body != http.NoBody && tx.IsRequestBodyAccessible() {
		it, _, err := tx.ReadRequestBodyFrom(r.Body)
		if err != nil {
			return nil, err
		}
		if it != nil {
			return it, nil
		}
		buffered, err := tx.RequestBodyReader()
		if err != nil {
			return nil, err
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(buffered, r.Body), r.Body}
	}
	return tx.ProcessRequestBody()
}

func (w *WAF) block(rw http.ResponseWriter, r *http.Request, tx types.Transaction, it *types.Interruption) {
	rules, score := flagged(tx.MatchedRules())
	w.logIncident(r, tx.ID(), "WAF blocked", rules, score)
	w.report("blocked")
	status := it.Status
	if status < 400 || status > 599 {
		status = http.StatusForbidden
	}
	p := httpx.Problem{Status: status, Code: "waf_blocked",
		Detail: "The request was refused by the web application firewall. Quote incident " + tx.ID() + " when reporting a mistake."}
	switch status {
	case http.StatusBadRequest:
		p.Code, p.Detail = "waf_unparseable_body", "The request body could not be parsed. Incident "+tx.ID()+"."
	case http.StatusRequestEntityTooLarge:
		p.Code, p.Detail = "body_too_large", "The request body is too large. Incident "+tx.ID()+"."
	}
	rw.Header().Set("Pasar-Incident", tx.ID())
	httpx.WriteProblem(rw, r, p)
}

// report tells Options.OnIncident of an incident, if it was given.
func (w *WAF) report(action string) {
	if w.incident != nil {
		w.incident(action)
	}
}

func (w *WAF) logIncident(r *http.Request, incident, msg string, rules []int, score int) {
	w.log.LogAttrs(r.Context(), slog.LevelWarn, msg,
		slog.String("incident", incident),
		slog.String("mode", string(w.mode)),
		slog.Any("rules", rules),
		slog.Int("anomaly_score", score),
		slog.String("request_id", httpx.RequestID(r.Context())),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("remote", httpx.ClientIP(r)))
}

// flagged returns the ids of the detection rules that matched, and the inbound anomaly score
// the blocking evaluation (949110/949111) reported, 0 when the score stayed under the threshold.
// Body parse failures (200002, 200003) count as a score of 5 so detect mode reports them too.
func flagged(matched []types.MatchedRule) (ids []int, score int) {
	for _, m := range matched {
		id := m.Rule().ID()
		switch {
		case id == 949110 || id == 949111:
			score = max(score, totalScore(m.Message()))
		case id == 200002 || id == 200003:
			score = max(score, 5)
			ids = append(ids, id)
		case detection(m.Rule().Tags()):
			ids = append(ids, id)
		}
	}
	return ids, score
}

// detection reports whether a rule detects something (CRS tags those with their paranoia
// level), rather than initialising or skipping.
func detection(tags []string) bool {
	for _, t := range tags {
		if strings.HasPrefix(t, "paranoia-level/") {
			return true
		}
	}
	return false
}

// totalScore reads "(Total Score: N)" from the blocking evaluation's message.
func totalScore(msg string) int {
	_, after, ok := strings.Cut(msg, "Total Score: ")
	if !ok {
		return 0
	}
	end := strings.IndexFunc(after, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(after)
	}
	n, _ := strconv.Atoi(after[:end])
	return n
}

func splitHostPort(addr string) (string, int) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	port, _ := strconv.Atoi(p)
	return host, port
}
