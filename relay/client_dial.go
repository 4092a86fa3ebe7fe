// The Client's dial: minting the upgrade token into the Authorization
// header, the WebSocket upgrade, the hellos, and serving one connection
// until it closes (handshake timeout, shutdown drain), reported as an
// outcome to the Run loop; and the redaction of credentials from what is
// logged.

package relay

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/wasmgw/wasmgw/relay/internal/token"
)

// outcome is how one connection attempt ended.
type outcome struct {
	dialed         bool // the upgrade succeeded
	freshRetry     bool // the connection was the fresh-token re-dial
	everHandshaken bool // some connection (maybe this one) got a descriptor
	firstDesc      time.Time
	closedAt       time.Time
	code           websocket.StatusCode // -1 without a close frame
	reason         string
	err            error
}

// connectOnce dials, serves the connection until it closes or ctx is done,
// and reports how it ended.
func (c *Client) connectOnce(ctx context.Context) outcome {
	out := outcome{code: -1}
	header := http.Header{}
	if c.cfg.Authenticated() {
		exp := c.opts.Now().Add(token.DefaultTTL).Unix()
		tok := token.Mint(c.cfg.GatewayID, c.cfg.Secret.Reveal(), exp)
		c.mu.Lock()
		c.lastToken = tok
		c.mu.Unlock()
		header.Set("Authorization", "Bearer "+tok)
	}
	dctx, cancel := context.WithTimeout(ctx, c.opts.HandshakeTimeout)
	ws, _, err := websocket.Dial(dctx, c.dialURL, &websocket.DialOptions{HTTPClient: c.http, HTTPHeader: header})
	cancel()
	if err != nil {
		out.err = err
		out.closedAt = c.opts.Now()
		c.mu.Lock()
		out.everHandshaken = c.everHandshaken
		c.mu.Unlock()
		return out
	}
	out.dialed = true
	// Messages over MaxFrameSize are skipped by readMessage: the library's
	// limit would close the connection (and lose the replies in flight).
	ws.SetReadLimit(-1)

	cn := &wsConn{
		c:          c,
		ws:         ws,
		writeSem:   make(chan struct{}, 1),
		pending:    map[string]chan sendResult{},
		handshaken: make(chan struct{}),
		drained:    make(chan struct{}, 1),
	}
	cn.ctx, cn.cancel = context.WithCancel(context.Background())
	c.mu.Lock()
	if c.authRetryPending {
		// The upgrade with a fresh token was accepted: this connection's
		// fate judges the credential.
		cn.freshRetry = true
		c.authRetryPending = false
	}
	c.mu.Unlock()
	out.freshRetry = cn.freshRetry

	// The hellos go first, before anything else can write and before a
	// descriptor can be read; a failed write shows up as the read loop's
	// close.
	for _, id := range c.cfg.Identities {
		if err := cn.writeFrame(cn.ctx, c.hello(id)); err != nil {
			break
		}
	}
	c.mu.Lock()
	c.cur = cn
	c.mu.Unlock()
	readDone := make(chan error, 1)
	go func() { readDone <- cn.readLoop(ctx) }()
	c.log.Info("relay: connected", "url", redactURL(c.dialURL), "identities", len(c.cfg.Identities), "fresh_token_retry", cn.freshRetry)
	c.state(StateConnected)
	go cn.keepalive(c.opts.PingInterval, c.opts.PingTimeout)

	var readErr error
	hsTimer := time.NewTimer(c.opts.HandshakeTimeout)
	defer hsTimer.Stop()
	handshaken := cn.handshaken
	shutdown := ctx.Done()
loop:
	for {
		select {
		case readErr = <-readDone:
			break loop
		case <-handshaken:
			hsTimer.Stop()
			handshaken = nil
		case <-hsTimer.C:
			c.log.Error("relay: no descriptor within the handshake timeout; closing", "timeout", c.opts.HandshakeTimeout)
			cn.fail(errHandshakeTimeout, websocket.StatusPolicyViolation, "no descriptor within the handshake timeout")
		case <-shutdown:
			shutdown = nil
			cn.drain(c.opts.DrainTimeout, readDone)
			go func() { _ = ws.Close(websocket.StatusNormalClosure, "gateway shutting down") }()
		}
	}
	out.closedAt = c.opts.Now()
	cn.teardown()
	_ = ws.CloseNow()
	c.state(StateDisconnected)

	cn.mu.Lock()
	out.firstDesc = cn.firstDesc
	failErr := cn.failErr
	cn.mu.Unlock()
	c.mu.Lock()
	out.everHandshaken = c.everHandshaken
	c.mu.Unlock()
	var ce websocket.CloseError
	if errors.As(readErr, &ce) {
		out.code, out.reason = ce.Code, ce.Reason
	}
	switch {
	case failErr != nil:
		out.err = failErr
	case out.code < 0:
		out.err = readErr
	}
	return out
}

// scrub returns err's text without the secret or the last token, should
// any library ever echo them.
func (c *Client) scrub(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	c.mu.Lock()
	tok := c.lastToken
	c.mu.Unlock()
	for _, v := range []string{tok, c.cfg.Secret.Reveal(), c.cfg.DeliveryKey.Reveal(), c.cfg.AccessToken.Reveal()} {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

// redactURL drops userinfo and the query from a URL for logging.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
