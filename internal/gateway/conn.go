package gateway

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// conns is one replica's keep-alive connections for the gateway's commonest request: one that
// may be repeated and carries no body (reads, mostly). The gateway writes it and reads the answer
// on the request's own goroutine. http.Transport hands every request to two goroutines of the
// connection (a writer and a reader) and back; where the gateway shares its cores with the
// replicas, those hand-offs wake sleeping threads, and cost about a fifth of the gateway's CPU
// per read (docs/PERFORMANCE.md, distributed shape). Everything else (bodies, upgrades, requests
// that may not be repeated, TLS to the replica) still goes through http.Transport, whose reader
// notices a connection the replica closed before a request is put on it.
type conns struct {
	addr    string
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	maxIdle int
	idleFor time.Duration

	mu   sync.Mutex
	idle []*conn // most recently used last
}

type conn struct {
	net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	used time.Time
}

// direct reports whether req may go through conns: repeatable (so a kept-alive connection the
// replica closed meanwhile can be retried on a new one), no body to stream, no protocol upgrade.
func direct(req *http.Request) bool {
	return (req.Body == nil || req.Body == http.NoBody) && !req.Close && idempotent(req) &&
		req.Header.Get("Upgrade") == ""
}

// roundTrip sends req and reads the answer's headers, within headerTimeout. A kept-alive
// connection that fails before any answer arrives was most likely closed by the replica (idle
// timeout, restart): the connections kept with it are dropped too, and req goes again on a new
// one, once.
func (cs *conns) roundTrip(req *http.Request, headerTimeout time.Duration) (*http.Response, error) {
	ctx := req.Context()
	for retried := false; ; retried = true {
		c, reused, err := cs.get(ctx, retried)
		if err != nil {
			return nil, err
		}
		resp, answered, err := cs.exchange(c, req, headerTimeout)
		if err == nil {
			return resp, nil
		}
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !reused || answered || retried {
			return nil, err
		}
		cs.closeIdle()
	}
}

// get returns a kept-alive connection (reused) or, when there is none or fresh is set, a new one.
func (cs *conns) get(ctx context.Context, fresh bool) (c *conn, reused bool, err error) {
	if !fresh {
		now := time.Now()
		cs.mu.Lock()
		for len(cs.idle) > 0 {
			c = cs.idle[len(cs.idle)-1]
			cs.idle = cs.idle[:len(cs.idle)-1]
			if now.Sub(c.used) < cs.idleFor {
				cs.mu.Unlock()
				return c, true, nil
			}
			c.Close()
		}
		cs.mu.Unlock()
	}
	nc, err := cs.dial(ctx, "tcp", cs.addr)
	if err != nil {
		return nil, false, err
	}
	return &conn{Conn: nc, br: bufio.NewReaderSize(nc, 32<<10), bw: bufio.NewWriterSize(nc, 4<<10)}, false, nil
}

// put keeps c for the next request, unless enough are kept already.
func (cs *conns) put(c *conn) {
	c.used = time.Now()
	cs.mu.Lock()
	if len(cs.idle) < cs.maxIdle {
		cs.idle = append(cs.idle, c)
		c = nil
	}
	cs.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

func (cs *conns) closeIdle() {
	cs.mu.Lock()
	idle := cs.idle
	cs.idle = nil
	cs.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// aLongTimeAgo is a deadline in the past: it wakes a read or write that is waiting.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req on c and reads the response's headers. answered says whether any of the
// answer had arrived when it failed. The request's context, while the body is read too, closes
// the exchange early by expiring c's deadline.
func (cs *conns) exchange(c *conn, req *http.Request, headerTimeout time.Duration) (resp *http.Response, answered bool, err error) {
	stop := context.AfterFunc(req.Context(), func() { _ = c.SetDeadline(aLongTimeAgo) })
	if err = c.SetDeadline(time.Now().Add(headerTimeout)); err == nil {
		if err = req.Write(c.bw); err == nil {
			err = c.bw.Flush()
		}
	}
	for err == nil {
		if _, err = c.br.Peek(1); err != nil {
			break
		}
		answered = true
		resp, err = http.ReadResponse(c.br, req)
		if err != nil || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		// An informational answer (103 Early Hints): the final one follows. It is not passed on.
		resp = nil
	}
	if err == nil {
		err = c.SetDeadline(time.Time{})
		if req.Context().Err() != nil {
			_ = c.SetDeadline(aLongTimeAgo) // the watch may have fired just before the line above
		}
	}
	if err != nil {
		stop()
		return nil, answered, err
	}
	resp.Body = &connBody{ReadCloser: resp.Body, c: c, cs: cs, keep: !resp.Close, eof: resp.Body == http.NoBody, stop: stop}
	return resp, true, nil
}

// connBody gives its connection back for the next request once the response was read to the end.
type connBody struct {
	io.ReadCloser
	c      *conn
	cs     *conns
	keep   bool // the replica did not say it closes the connection
	eof    bool
	stop   func() bool // ends the context's watch; false when the context had already ended
	closed bool
}

func (b *connBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *connBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if b.stop() && b.eof && b.keep && b.c.br.Buffered() == 0 {
		err := b.ReadCloser.Close()
		b.cs.put(b.c)
		return err
	}
	b.c.Close() // first, so closing the body does not wait to drain what nobody will read
	return b.ReadCloser.Close()
}
