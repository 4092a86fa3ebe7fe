package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
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

func orDev(v string) string {
	if v == "" {
		return "dev"
	}
	return v
}

// startChild starts the stdio server with its built environment.
func (c *Conn) startChild(opts Options) (sdk.Transport, error) {
	env := buildEnv(opts.Environ, c.cfg.Env)
	dir := opts.Dir
	if c.cfg.Cwd != "" {
		dir = c.cfg.Cwd
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(opts.Dir, dir)
		}
	}
	path, err := resolveCommand(c.cfg.Command, env, dir)
	if err != nil {
		return nil, fmt.Errorf("command: %w", err)
	}
	cmd := &exec.Cmd{Path: path, Args: append([]string{c.cfg.Command}, c.cfg.Args...), Env: env, Dir: dir}
	if !c.cfg.Sandbox.TrustHost {
		if err := c.confine(cmd, opts, env); err != nil {
			return nil, err
		}
	}
	if opts.Stderr != nil {
		c.stderr = &lineWriter{w: opts.Stderr, prefix: "[" + c.cfg.Name + "]", redact: opts.Redact, now: opts.Now}
		cmd.Stderr = c.stderr
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if c.proc, err = startProcess(cmd); err != nil && c.confined != "" && nsRefused(err) {
		// The kernel refused the namespaces: Landlock alone still
		// confines the server (the audit and the log say so).
		retry := &exec.Cmd{Path: path, Args: append([]string{c.cfg.Command}, c.cfg.Args...), Env: env, Dir: dir}
		if err := c.confineWith(retry, opts, env, true); err != nil {
			return nil, err
		}
		retry.Stderr = cmd.Stderr
		if stdin, err = retry.StdinPipe(); err != nil {
			return nil, err
		}
		if stdout, err = retry.StdoutPipe(); err != nil {
			return nil, err
		}
		c.proc, err = startProcess(retry)
	}
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	if c.stderr != nil {
		how := "unconfined (trust: host)"
		if c.confined != "" {
			how = "confined: " + c.confined
		}
		c.stderr.emitMarker(fmt.Sprintf("started pid %d, %s", c.proc.pgid, how))
	}
	return &sdk.IOTransport{Reader: &drainOnClose{r: stdout}, Writer: stdin}, nil
}

func (l *lineWriter) emitMarker(msg string) { l.emit([]byte("===== " + msg + " =====")) }

// listTools reads every page of the server's tools and keeps those the
// entry's filter allows.
func (c *Conn) listTools(ctx context.Context) error {
	for t, err := range c.session.Tools(ctx, nil) {
		if err != nil {
			return err
		}
		if t == nil || t.Name == "" {
			continue
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

// Result is a tool call's result.
type Result struct {
	// Output is the MCP result as JSON: {"content":[...]} plus
	// "structuredContent" when the server sent it.
	Output json.RawMessage
	// IsError is the server's report that the tool failed; Text then says
	// why.
	IsError bool
	// Text joins the result's text contents.
	Text string
}

// Call calls tool with args (a JSON object) and waits at most the entry's
// timeout (and ctx). A failure the server reports inside its result is a
// Result with IsError set, not an error.
func (c *Conn) Call(ctx context.Context, tool string, args json.RawMessage) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	stop := context.AfterFunc(c.life, cancel)
	defer stop()
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	res, err := c.session.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		if c.life.Err() != nil {
			return nil, errors.New("the connection was closed")
		}
		return nil, c.explain("call "+tool, err)
	}
	out := struct {
		Content           []sdk.Content `json:"content"`
		StructuredContent any           `json:"structuredContent,omitempty"`
	}{Content: res.Content, StructuredContent: res.StructuredContent}
	if out.Content == nil {
		out.Content = []sdk.Content{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("call %s: the result does not encode: %w", tool, err)
	}
	var text []string
	for _, ct := range res.Content {
		if tc, ok := ct.(*sdk.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	return &Result{Output: b, IsError: res.IsError, Text: strings.Join(text, "\n")}, nil
}

// explain adds to err what a child's exit says about it.
func (c *Conn) explain(what string, err error) error {
	if c.proc != nil {
		select {
		case <-c.proc.done:
			if c.proc.err != nil {
				return fmt.Errorf("%s: %w (the server exited: %v; see its stderr log)", what, err, c.proc.err)
			}
			return fmt.Errorf("%s: %w (the server exited; see its stderr log)", what, err)
		default:
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

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

// httpClient returns the client of an HTTP server: the entry's headers are
// added to requests for the entry URL's origin only (never to another
// origin a redirect leads to).
func httpClient(cfg ServerConfig, base http.RoundTripper, dir string) (*http.Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("url: not a valid URL")
	}
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	if base, err = tlsTransport(cfg.TLS, base, dir); err != nil {
		return nil, err
	}
	return &http.Client{Transport: &headerTransport{base: base, origin: origin(u), headers: cfg.Headers}}, nil
}

// headerTransport injects an entry's resolved headers into the requests to
// its origin.
type headerTransport struct {
	base    http.RoundTripper
	origin  string
	headers map[string]string
}

// RoundTrip implements http.RoundTripper.
func (h *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if len(h.headers) == 0 || origin(req.URL) != h.origin {
		return h.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v)
	}
	return h.base.RoundTrip(r)
}

// origin is scheme://host:port with the default port made explicit.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}
