package relay_test

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/relaytest"
)

// stallingProxy forwards TCP connections to a target until stall is
// called: then the connections it holds stop carrying bytes either way,
// as a connector (or a middlebox) that hung would, without closing.
// Connections accepted after a stall are forwarded normally.
type stallingProxy struct {
	ln     net.Listener
	target string

	done chan struct{} // closed by close: stalled copies end

	mu     sync.Mutex
	held   []chan struct{} // closed to stall one connection's copying
	conns  []net.Conn
	closed bool
}

func newStallingProxy(t *testing.T, target string) *stallingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallingProxy{ln: ln, target: target, done: make(chan struct{})}
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *stallingProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *stallingProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		stall := make(chan struct{})
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			in.Close()
			out.Close()
			return
		}
		p.held = append(p.held, stall)
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go pipe(out, in, stall, p.done)
		go pipe(in, out, stall, p.done)
	}
}

// pipe copies src to dst until stall is closed; then it holds what it read
// and stops, until done.
func pipe(dst, src net.Conn, stall, done <-chan struct{}) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-stall:
			<-done
			return
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				dst.Close()
			}
			return
		}
	}
}

// stall stops every connection accepted so far.
func (p *stallingProxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.held {
		close(s)
	}
	p.held = nil
}

func (p *stallingProxy) close() {
	p.mu.Lock()
	p.closed = true
	conns := p.conns
	p.mu.Unlock()
	close(p.done)
	p.ln.Close()
	for _, c := range conns {
		c.Close()
	}
}

// TestClientKeepaliveClosesASilentConnection: a connection that stops
// answering (no close, no pong) is closed by the keepalive after its pong
// deadline and the client reconnects; the log says why.
func TestClientKeepaliveClosesASilentConnection(t *testing.T) {
	var proxy *stallingProxy
	h := start(t, relaytest.Options{}, func(cfg *relay.Config) {
		proxy = newStallingProxy(t, strings.TrimPrefix(cfg.URL, "http://"))
		cfg.URL = proxy.url()
	}, func(o *relay.ClientOptions) {
		o.PingInterval, o.PingTimeout = 20*time.Millisecond, 300*time.Millisecond
	})
	h.handshake()
	stalled := time.Now()
	proxy.stall()
	h.waitState(relay.StateDisconnected)
	t.Logf("silent connection closed after %s", time.Since(stalled).Round(time.Millisecond))
	h.handshake() // a new connection, through the proxy, answered again
	if !strings.Contains(h.logs.String(), "keepalive ping failed") {
		t.Errorf("the log does not say why the connection was closed:\n%s", h.logs)
	}
	h.stillRunning()
}
