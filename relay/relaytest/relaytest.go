// Package relaytest provides an in-process connector for tests: a loopback
// HTTP server speaking the relay contract of package relay (docs/relay.md)
// from the connector's side. It verifies upgrade tokens, answers hellos
// with descriptors and outbound actions with results, records everything
// the gateway sends, and lets a test push inbound messages, close
// connections with any code, reject dials, restart, and serve the enroll
// and provision endpoints.
//
// Everything observable is delivered through channels: a test waits with a
// context, never with a sleep.
package relaytest

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// Answer modes for outbound actions.
const (
	// AnswerSuccess answers {"success": true, "message_id": "m-<n>"}.
	AnswerSuccess = "success"
	// AnswerFail answers {"success": false, "error": "send failed"}.
	AnswerFail = "fail"
	// AnswerEgressDeclined answers a failure with code egress_declined.
	AnswerEgressDeclined = "egress_declined"
	// AnswerNone never answers (the gateway's send times out, ambiguous).
	AnswerNone = "none"
)

// MaxPushText is the longest message text, in bytes, that [Connector.Push]
// is sure to fit in one frame: half the 1 MiB frame limit, as JSON
// escaping can double a text.
const MaxPushText = wire.MaxFrameSize / 2

// Options configures a [Connector].
type Options struct {
	// Secrets verify the upgrade bearer with token.Verify (a list, for
	// rotation). RequireAuth closes a connection without a valid token with
	// 4401 ("expired" for an expired one, else "unauthorized").
	Secrets     []string
	RequireAuth bool
	// Descriptor is sent for every hello instead of the default one: a
	// map[string]any, a json.RawMessage, a []byte or a string of JSON.
	// nil sends DefaultDescriptor(hello platform).
	Descriptor any
	// NoDescriptor sends no descriptor at all.
	NoDescriptor bool
	// Answer is the initial answer mode for outbound actions (default
	// AnswerSuccess); see SetAnswer.
	Answer string
	// NoIdleAck leaves going_idle unanswered.
	NoIdleAck bool
	// ForgetSent keeps no outbound frame for [Conn.Sent]. A connector
	// under a long load (wasmgw bench) would otherwise keep every frame
	// it was sent, and stall its reads while it copies that history each
	// time the record doubles (over 18 ms at a time on a VM whose page
	// faults are slow), which a benchmark would count as the gateway's
	// latency.
	ForgetSent bool
	// Logger receives the connector's log lines (nil: discarded).
	Logger *slog.Logger
	// Now is the clock for token expiry (nil: time.Now).
	Now func() time.Time
}

// TB is the part of testing.TB a [Connector] reports through; *testing.T
// and *testing.B satisfy it. The package does not import testing, so that
// a program (wasmgw run --relay) can embed a connector too: see [Listen].
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Connector is an in-process connector on a loopback port.
type Connector struct {
	t    TB
	opts Options
	log  *slog.Logger
	addr string

	mu          sync.Mutex
	srv         *http.Server
	gate        *gateListener
	conns       map[*Conn]bool
	latest      *Conn
	dials       int
	tokens      []string
	answer      string
	rejects     []reject
	rejectsHS   []reject
	enroll      func(HTTPRequest) HTTPAnswer
	provision   func(HTTPRequest) HTTPAnswer
	httpReqs    []HTTPRequest
	msgCounter  int
	helloSeq    int
	closed      bool
	serveErrors []error

	connected chan *Conn
	accepted  chan *Conn
	outbound  chan wire.OutboundFrame
	acks      chan string
	idles     chan struct{}
	interrupt chan wire.InterruptFrame
	requests  chan HTTPRequest
}

type reject struct {
	code   websocket.StatusCode
	reason string
}

const chanSize = 1024

// New starts a connector on 127.0.0.1 and stops it when the test ends; a
// protocol error it saw fails the test then.
func New(t TB, opts Options) *Connector {
	t.Helper()
	c, err := listen(t, opts)
	if err != nil {
		t.Fatalf("relaytest: %v", err)
		return nil
	}
	t.Cleanup(c.Close)
	return c
}

// Listen starts a connector on 127.0.0.1 outside a test: protocol errors
// are logged to opts.Logger as errors. The caller must Close it.
func Listen(opts Options) (*Connector, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return listen(logTB{opts.Logger}, opts)
}

// logTB reports to a logger.
type logTB struct{ log *slog.Logger }

func (logTB) Helper()                             {}
func (l logTB) Errorf(format string, args ...any) { l.log.Error(fmt.Sprintf(format, args...)) }
func (l logTB) Fatalf(format string, args ...any) { l.log.Error(fmt.Sprintf(format, args...)) }
func (logTB) Cleanup(func())                      {}

func listen(t TB, opts Options) (*Connector, error) {
	if opts.Answer == "" {
		opts.Answer = AnswerSuccess
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Connector{
		t: t, opts: opts, log: log,
		conns:     map[*Conn]bool{},
		answer:    opts.Answer,
		connected: make(chan *Conn, chanSize),
		accepted:  make(chan *Conn, chanSize),
		outbound:  make(chan wire.OutboundFrame, chanSize),
		acks:      make(chan string, chanSize),
		idles:     make(chan struct{}, chanSize),
		interrupt: make(chan wire.InterruptFrame, chanSize),
		requests:  make(chan HTTPRequest, chanSize),
	}
	c.enroll = func(HTTPRequest) HTTPAnswer {
		return HTTPAnswer{Status: 200, Body: map[string]any{"secret": "enrolled-secret", "deliveryKey": "enrolled-dk", "tenant": "t1", "gatewayId": ""}}
	}
	c.provision = func(r HTTPRequest) HTTPAnswer {
		id, _ := r.Body["gatewayId"].(string)
		return HTTPAnswer{Status: 200, Body: map[string]any{"secret": "provisioned-secret", "deliveryKey": "provisioned-dk", "tenant": "t1", "gatewayId": id, "routeKeys": r.Body["routeKeys"]}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	c.addr = ln.Addr().String()
	c.start(ln)
	return c, nil
}

// start serves on ln for the connector's whole life; Stop, Kill and Start
// only shut and open the gate in front of it.
func (c *Connector) start(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/relay", c.serveWS)
	mux.HandleFunc("/relay/enroll", c.serveHTTP)
	mux.HandleFunc("/relay/provision", c.serveHTTP)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	gate := &gateListener{Listener: ln}
	c.mu.Lock()
	c.srv, c.gate = srv, gate
	c.mu.Unlock()
	go func() {
		if err := srv.Serve(gate); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.problem(fmt.Errorf("serve: %w", err))
		}
	}()
}

// shut refuses new dials and drops idle HTTP connections, keeping the port.
func (c *Connector) shut() {
	c.gate.shut.Store(true)
	c.srv.SetKeepAlivesEnabled(false) // closes the idle ones
}

// URL is the connector's base URL (for relay.Config.URL).
func (c *Connector) URL() string { return "http://" + c.addr }

// Close stops the connector: the listener, then every connection (going
// away). It is called when the test ends.
func (c *Connector) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	srv := c.srv
	c.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
	c.closeConns(websocket.StatusGoingAway, "connector stopped", true)
	c.mu.Lock()
	problems := c.serveErrors
	c.mu.Unlock()
	for _, err := range problems {
		c.t.Errorf("relaytest: %v", err)
	}
}

// problem records a protocol or server error; the test fails with it when
// the connector closes (reporting from the connector's goroutines could
// outlive the test).
func (c *Connector) problem(err error) {
	c.mu.Lock()
	c.serveErrors = append(c.serveErrors, err)
	c.mu.Unlock()
}
