// The relay client: its defaults, errors and states, the Handler it
// delivers to, ClientOptions, the Client type and its Run loop (reconnect
// and the 4401 revocation decision). The rest of the Client is split by
// concern: client_dial.go (dial, token header, one connection's life),
// client_conn.go (the connection's state and teardown), client_read.go
// (read loop, frame dispatch, handshake), client_write.go (sends, results,
// write serialisation), client_coalesce.go (frames queued behind a write
// go out together), client_keepalive.go, client_backoff.go and
// client_chat.go (chat metadata re-attach).

package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// Client defaults (the reference's values).
const (
	// defaultHandshakeTimeout bounds the dial plus the wait for the first
	// descriptor.
	defaultHandshakeTimeout = 30 * time.Second
	// defaultOutboundTimeout bounds the wait for an outbound_result; past it
	// the send is failed and ambiguous.
	defaultOutboundTimeout = 30 * time.Second
	// defaultClientDrainTimeout bounds how long a closing client waits for
	// pending outbound results before it closes the socket.
	defaultClientDrainTimeout = 10 * time.Second
	// defaultMinBackoff and defaultMaxBackoff bound the reconnect delay.
	defaultMinBackoff = 1 * time.Second
	defaultMaxBackoff = 30 * time.Second
	// defaultStableAfter is how long a connection must live from its first
	// descriptor before the reconnect counter resets.
	defaultStableAfter = 60 * time.Second
	// defaultPingInterval and defaultPingTimeout are the keepalive's
	// period and pong deadline.
	defaultPingInterval = 30 * time.Second
	defaultPingTimeout  = 60 * time.Second
)

// Client errors. Each is wrapped with context; test with errors.Is.
var (
	// ErrRevoked: the connector closed 4401 again on a connection dialed
	// with a freshly minted token after a handshake had succeeded. The
	// relay is disabled until the gateway is re-provisioned.
	ErrRevoked = errors.New("relay disabled: the connector revoked this gateway's credential (4401)")
	// errAmbiguous: an outbound frame was written but its result never
	// came; the connector may have applied it.
	errAmbiguous = errors.New("relay: outbound outcome unknown (it may have been applied)")
	// ErrDisconnected: the connection closed while the call was under way.
	ErrDisconnected = errors.New("relay: connection lost")
	// ErrNotConnected: there is no connection to write to; nothing was sent.
	ErrNotConnected = errors.New("relay: not connected")
	// errNotSent: the frame was not (completely) written, so the connector
	// cannot have applied it: sending it again, on this or a later
	// connection, cannot duplicate it.
	errNotSent = errors.New("relay: frame not written")
	// errEgressDeclined: the connector's egress guard refused the action.
	// A definite refusal: never retry it, as the same or another op.
	errEgressDeclined = errors.New("relay: declined by the connector's egress guard")
	// errHandshakeTimeout: no descriptor arrived within the handshake
	// timeout.
	errHandshakeTimeout = errors.New("relay: no descriptor within the handshake timeout")
)

// State is a connection state change reported to [ClientOptions.OnState].
type State int

// States, in the order a connection goes through them.
const (
	// StateConnected: the upgrade succeeded and the hellos were sent.
	StateConnected State = iota + 1
	// StateHandshaken: the connection's first valid descriptor arrived.
	StateHandshaken
	// StateDisconnected: the connection closed; pending sends are settled.
	StateDisconnected
	// StateDisabled: the credential was revoked; Run returns ErrRevoked.
	StateDisabled
)

// String names the state.
func (s State) String() string {
	switch s {
	case StateConnected:
		return "connected"
	case StateHandshaken:
		return "handshaken"
	case StateDisconnected:
		return "disconnected"
	case StateDisabled:
		return "disabled"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Handler receives what the connector pushes. Calls come from the client's
// read loop, one at a time; implementations must not block (hand off to
// goroutines).
type Handler interface {
	// Inbound delivers one inbound message. ctx is the one given to Run.
	Inbound(ctx context.Context, in Inbound)
	// InterruptInbound asks to cancel the running turn of that session.
	InterruptInbound(sessionKey, chatID string)
}

// Inbound is one message pushed by the connector. BufferID is set ("" when
// not buffered) for a delivery replayed from the connector's buffer: call
// [Client.Ack] with it once the message is handed off.
type Inbound struct {
	Event    Event
	BufferID string
}

// ClientOptions configures a [Client]. The zero value is usable.
type ClientOptions struct {
	// Handler receives inbound messages and interrupts (nil: dropped).
	Handler Handler
	// Logger receives the client's log lines (nil: slog.Default()). No line
	// ever holds the secret, the token or the delivery key.
	Logger *slog.Logger
	// Now is the clock for token expiry and connection lifetimes (nil:
	// time.Now).
	Now func() time.Time
	// Rand returns the reconnect jitter in [0, 1) (nil: math/rand/v2).
	Rand func() float64
	// HTTPClient dials (nil: a default client). The dial never follows a
	// redirect: the Authorization header must not travel elsewhere.
	HTTPClient *http.Client
	// HandshakeTimeout, OutboundTimeout and DrainTimeout default to 30 s,
	// 30 s and 10 s.
	HandshakeTimeout, OutboundTimeout, DrainTimeout time.Duration
	// MinBackoff and MaxBackoff bound the reconnect delay (1 s, 30 s).
	MinBackoff, MaxBackoff time.Duration
	// StableAfter: the reconnect counter resets after a connection lived
	// this long from its first descriptor (60 s).
	StableAfter time.Duration
	// PingInterval and PingTimeout drive the keepalive (30 s, 60 s).
	PingInterval, PingTimeout time.Duration
	// Hello is added to every hello (version, instance id, shard).
	Hello HelloInfo
	// OnState, when set, is told of state changes. It is called
	// synchronously from the client's goroutines and must not block.
	OnState func(State)
}

// Client is the gateway's side of a connector connection: it dials out,
// says hello for each fronted identity, reads the connector's frames,
// correlates outbound actions with their results and reconnects with
// backoff. Create it with [NewClient] and drive it with [Client.Run]; the
// other methods are safe for concurrent use. On its own it delivers
// inbound messages to its [Handler] and acknowledges buffered ones
// ([Client.Ack]); replies are written by the [Gateway] that owns it.
type Client struct {
	cfg     Config
	opts    ClientOptions
	log     *slog.Logger
	handler Handler
	http    *http.Client
	dialURL string

	mu               sync.Mutex
	cur              *wsConn // the live connection, nil between connections
	running          bool
	revoked          bool
	everHandshaken   bool // a descriptor was received on some connection
	authRetryPending bool // the next accepted dial is the fresh-token retry
	lastToken        string
	primary          wire.Descriptor
	hasPrimary       bool
	byPlatform       map[string]wire.Descriptor
	chats            chatMemory
}

// NewClient returns a client for cfg. It dials nothing until Run.
func NewClient(cfg Config, opts ClientOptions) *Client {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.HandshakeTimeout, defaultHandshakeTimeout)
	def(&opts.OutboundTimeout, defaultOutboundTimeout)
	def(&opts.DrainTimeout, defaultClientDrainTimeout)
	def(&opts.MinBackoff, defaultMinBackoff)
	def(&opts.MaxBackoff, defaultMaxBackoff)
	def(&opts.StableAfter, defaultStableAfter)
	def(&opts.PingInterval, defaultPingInterval)
	def(&opts.PingTimeout, defaultPingTimeout)
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = mrand.Float64
	}
	if len(cfg.Identities) == 0 {
		cfg.Identities = []Identity{{Platform: DefaultPlatform}}
	}
	c := &Client{
		cfg:        cfg,
		opts:       opts,
		log:        opts.Logger,
		handler:    opts.Handler,
		dialURL:    cfg.DialURL(),
		byPlatform: map[string]wire.Descriptor{},
		chats:      chatMemory{max: maxRememberedChats},
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.handler == nil {
		c.handler = nopHandler{}
	}
	hc := &http.Client{}
	if opts.HTTPClient != nil {
		copied := *opts.HTTPClient
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = hc
	return c
}

type nopHandler struct{}

// Inbound drops the message.
func (nopHandler) Inbound(context.Context, Inbound) {}

// InterruptInbound drops the interrupt.
func (nopHandler) InterruptInbound(string, string) {}

// descriptor returns the last descriptor of the primary identity (the first
// identity's platform, else the first descriptor of the connection); ok is
// false before any handshake. It survives a disconnect until the next
// connection's handshake replaces it.
func (c *Client) descriptor() (wire.Descriptor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.primary, c.hasPrimary
}

// descriptorFor returns the last descriptor received for platform.
func (c *Client) descriptorFor(platform string) (wire.Descriptor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.byPlatform[platform]
	return d, ok
}

// supportsOp reports whether op may be sent: send, edit and typing always;
// any other op only when the primary descriptor lists it (an empty list
// means the legacy set send, edit, typing, follow_up).
func (c *Client) supportsOp(op string) bool {
	switch op {
	case wire.OpSend, wire.OpEdit, wire.OpTyping:
		return true
	}
	d, ok := c.descriptor()
	return ok && d.SupportsOp(op)
}

// Connected reports whether a connection is open (hellos sent).
func (c *Client) Connected() bool { return c.current() != nil }

func (c *Client) current() *wsConn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

func (c *Client) state(s State) {
	if c.opts.OnState != nil {
		c.opts.OnState(s)
	}
}

// Run dials the connector and keeps a connection up until ctx is done, then
// drains (pending results, at most DrainTimeout), closes cleanly and returns
// nil. It re-dials after every unexpected close with capped, jittered
// exponential backoff. It returns an error wrapping [ErrRevoked] when the
// connector revoked the credential (the relay is then disabled), and an
// error at once when cfg has no URL or Run is already running.
func (c *Client) Run(ctx context.Context) error {
	if !c.cfg.Enabled() {
		return errors.New("relay: no connector URL (set GATEWAY_RELAY_URL or gateway.relay_url)")
	}
	c.mu.Lock()
	switch {
	case c.running:
		c.mu.Unlock()
		return errors.New("relay: client already running")
	case c.revoked:
		c.mu.Unlock()
		return fmt.Errorf("%w (earlier)", ErrRevoked)
	}
	c.running = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
	}()
	if !c.cfg.Authenticated() {
		c.log.Info("relay: dialing without credentials (no GATEWAY_RELAY_ID and secret pair)", "url", redactURL(c.dialURL))
	}

	bo := backoff{min: c.opts.MinBackoff, max: c.opts.MaxBackoff}
	for {
		if ctx.Err() != nil {
			return nil
		}
		out := c.connectOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if stableFor(out.firstDesc, out.closedAt, c.opts.StableAfter) {
			bo.reset()
		}
		attrs := []any{"url", redactURL(c.dialURL)}
		if out.dialed {
			attrs = append(attrs, "code", int(out.code), "reason", out.reason)
		}
		if out.err != nil {
			attrs = append(attrs, "error", c.scrub(out.err))
		}
		if out.code == wire.CloseUnauthorized {
			switch {
			case out.reason == wire.CloseReasonExpired:
				c.log.Warn("relay: closed 4401 'expired': the upgrade token expired, not revoked; reconnecting", attrs...)
			case out.freshRetry:
				c.mu.Lock()
				c.revoked = true
				c.mu.Unlock()
				c.log.Error("relay: closed 4401 again on a re-dial with a freshly minted token; treating the credential as revoked, relay disabled", attrs...)
				c.state(StateDisabled)
				return fmt.Errorf("%w: second 4401 on the fresh-token connection", ErrRevoked)
			case out.everHandshaken:
				c.mu.Lock()
				c.authRetryPending = true
				c.mu.Unlock()
				c.log.Warn("relay: closed 4401 after a handshake; re-dialing once at once with a fresh token before treating it as a revocation", attrs...)
				continue
			default:
				c.log.Warn("relay: closed 4401 before any handshake (not provisioned yet?); retrying with backoff", attrs...)
			}
		}
		delay := bo.next(c.opts.Rand())
		attrs = append(attrs, "attempt", bo.attempt, "retry_in", delay)
		if out.code != wire.CloseUnauthorized {
			if out.dialed {
				c.log.Warn("relay: connection closed; reconnecting", attrs...)
			} else {
				c.log.Warn("relay: dial failed; retrying", attrs...)
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}
