package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Options configure how Connect starts or reaches a server.
type Options struct {
	// Environ is the host environment snapshot (os.Environ form) the
	// baseline of a stdio server's environment is taken from. nil gives a
	// child no baseline at all: only its own env.
	Environ []string
	// Dir is the working directory of stdio servers (the profile
	// directory) and the base of a relative cwd or command.
	Dir string
	// Stderr receives a stdio server's stderr, one whole line per Write
	// (nil: discarded). Servers of a profile may share it: it must take
	// concurrent writes of whole lines, as an *os.File opened with
	// O_APPEND does.
	Stderr io.Writer
	// Redact is applied to every stderr line before it is written.
	Redact func(string) string
	// Logger receives the SDK's logs (nil: discarded).
	Logger *slog.Logger
	// ClientVersion is announced to servers as wasmgw's version.
	ClientVersion string
	// StopGrace is how long Close waits for a stdio server to exit after
	// its stdin closed, and again after SIGTERM (0: 2s).
	StopGrace time.Duration
	// HTTPTransport carries HTTP servers' requests (nil: a clone of
	// http.DefaultTransport).
	HTTPTransport http.RoundTripper
	// Now is the clock of stderr lines (nil: time.Now).
	Now func() time.Time
	// Home is the wasmgw home: a confined stdio server is never given a
	// path in it outside its own profile directory (Dir), nor above it.
	Home string
	// ScratchDir holds the confined stdio servers' private writable
	// directories, one per server (""; Dir/scratch).
	ScratchDir string

	// probe replaces confine.Probe in tests (export_test.go).
	probe func() (landlockABI int, userNamespaces bool)
}

// Tool is one tool a server offers, after the entry's filter.
type Tool struct {
	// Name is the tool's MCP name (without the mcp.SERVER. prefix).
	Name string
	// Description is the server's description of the tool.
	Description string
	// InputSchema is the tool's JSON Schema, as the server sent it.
	InputSchema json.RawMessage
}

// Conn is a live session with one server of one profile: a child process
// (stdio) or an HTTP session. It is safe for concurrent calls.
type Conn struct {
	cfg      ServerConfig
	confined string
	session  *sdk.ClientSession
	proc     *process
	stderr   *lineWriter
	tools    []Tool
	listed   []string // every tool name the server listed
	grace    time.Duration

	// life is cancelled by Close: every call's context is tied to it, so
	// that closing never waits for a slow call.
	life     context.Context
	stopLife context.CancelFunc
	done     chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Connect starts (stdio) or connects to (HTTP, SSE) the server of a
// resolved entry, performs the MCP handshake and lists its tools, all
// within cfg.ConnectTimeout and ctx. On error nothing is left running.
// Errors never contain a value of the entry.
func Connect(ctx context.Context, cfg ServerConfig, opts Options) (*Conn, error) {
	if opts.StopGrace <= 0 {
		opts.StopGrace = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	c := &Conn{cfg: cfg, grace: opts.StopGrace, done: make(chan struct{})}
	c.life, c.stopLife = context.WithCancel(context.WithoutCancel(ctx))
	// The handshake runs under the connection's lifetime context (an SSE
	// stream lives on it); the connect timeout cancels it until then.
	stopTimeout := context.AfterFunc(cctx, c.stopLife)

	var transport sdk.Transport
	switch cfg.Transport {
	case TransportStdio:
		t, err := c.startChild(opts)
		if err != nil {
			stopTimeout()
			c.stopLife()
			return nil, err
		}
		transport = t
	case TransportHTTP, TransportSSE:
		client, err := httpClient(cfg, opts.HTTPTransport, opts.Dir)
		if err != nil {
			stopTimeout()
			c.stopLife()
			return nil, err
		}
		if cfg.Transport == TransportSSE {
			transport = &sdk.SSEClientTransport{Endpoint: cfg.URL, HTTPClient: client}
		} else {
			transport = &sdk.StreamableClientTransport{Endpoint: cfg.URL, HTTPClient: client, DisableStandaloneSSE: true}
		}
	default:
		stopTimeout()
		c.stopLife()
		return nil, fmt.Errorf("unknown transport %q", cfg.Transport)
	}

	client := sdk.NewClient(&sdk.Implementation{Name: "wasmgw", Version: orDev(opts.ClientVersion)}, &sdk.ClientOptions{Logger: logger})
	session, err := client.Connect(c.life, transport, nil)
	if err == nil {
		c.session = session
		err = c.listTools(cctx)
	}
	timedOut := !stopTimeout() // the timeout fired (and cancelled life)
	if err == nil && timedOut {
		err = context.DeadlineExceeded
	}
	if err != nil {
		_ = c.Close()
		if cctx.Err() != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("no answer within connect_timeout %s", cfg.ConnectTimeout)
		}
		return nil, c.explain("connect", err)
	}
	go func() {
		_ = session.Wait()
		close(c.done)
	}()
	return c, nil
}

// MaxListedTools bounds the tools read from one server's listing: a server
// is the tenant's code, and what the host keeps and checks for it must not
// grow without bound. Past it the listing stops; [Conn.Listed] then holds
// exactly this many names.
const MaxListedTools = 1024

// listTools reads the server's tools, page by page, up to MaxListedTools,
// and keeps those the entry's filter allows.
func (c *Conn) listTools(ctx context.Context) error {
	for t, err := range c.session.Tools(ctx, nil) {
		if err != nil {
			return err
		}
		if t == nil || t.Name == "" {
			continue
		}
		if len(c.listed) == MaxListedTools {
			break
		}
		c.listed = append(c.listed, t.Name)
		if !c.cfg.Allows(t.Name) {
			continue
		}
		schema, _ := json.Marshal(t.InputSchema)
		if string(schema) == "null" {
			schema = nil
		}
		c.tools = append(c.tools, Tool{Name: t.Name, Description: t.Description, InputSchema: schema})
	}
	return nil
}

// Confinement says how a stdio server is confined ("landlock abi 7, ...");
// "" for a server run with trust: host, or an HTTP server.
func (c *Conn) Confinement() string { return c.confined }

// Listed returns the names of every tool the server listed, those the
// entry's filter drops included.
func (c *Conn) Listed() []string { return c.listed }

// Config returns the entry the connection was made with (it may hold
// secret values: never print it).
func (c *Conn) Config() ServerConfig { return c.cfg }

// Tools lists the server's tools the entry's filter keeps, in the order
// the server listed them.
func (c *Conn) Tools() []Tool { return append([]Tool(nil), c.tools...) }

// PID returns the process id of a stdio server (0 for HTTP).
func (c *Conn) PID() int {
	if c.proc == nil {
		return 0
	}
	return c.proc.pgid
}

// Done is closed when the session has ended: the server exited or hung
// up, or Close was called.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Close ends the session: calls in flight are cancelled, the session is
// closed (for stdio, by closing the child's stdin), and a stdio child is
// given StopGrace to exit, then SIGTERM, then SIGKILL, group-wide, and
// reaped. It is idempotent and returns once nothing is left running.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.stopLife()
		closed := make(chan error, 1)
		if c.session != nil {
			go func() { closed <- c.session.Close() }()
		} else {
			closed <- nil
		}
		if c.proc != nil {
			if c.session == nil {
				// The handshake never started: nobody will close stdin.
				c.proc.signal(termSignal)
			}
			c.proc.stop(c.grace)
			if c.stderr != nil {
				c.stderr.flush()
				c.stderr.emitMarker("stopped")
			}
		}
		t := time.NewTimer(c.grace + closeDeleteGrace)
		select {
		case c.closeErr = <-closed:
		case <-t.C:
			c.closeErr = errors.New("the session did not close in time")
		}
		t.Stop()
	})
	return c.closeErr
}

// closeDeleteGrace covers the HTTP DELETE a streamable session sends on
// close (the SDK bounds it at 5s).
const closeDeleteGrace = 5 * time.Second

// orDev is the client version to announce: v, or "dev".
func orDev(v string) string {
	if v == "" {
		return "dev"
	}
	return v
}
