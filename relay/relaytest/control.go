// Controls a test drives the Connector with: restarts and stops, the
// answer mode for outbound actions, connections rejected or closed with a
// given code, and the dial and token counters.

package relaytest

import "github.com/coder/websocket"

// Restart simulates a connector restart: it stops listening, closes every
// connection with 1012 (service restart) and listens again on the same
// address. Dials in between are refused.
func (c *Connector) Restart() {
	c.t.Helper()
	c.Stop()
	c.Start()
}

// Stop stops accepting (dials are refused) and closes every connection
// with 1012 (service restart).
func (c *Connector) Stop() {
	c.shut()
	c.closeConns(websocket.StatusServiceRestart, "connector restarting", true)
}

// Start accepts dials again after Stop or Kill, on the same address (the
// port stays bound in between).
func (c *Connector) Start() {
	c.srv.SetKeepAlivesEnabled(true)
	c.gate.shut.Store(false)
}

// Dials counts the WebSocket upgrade requests received.
func (c *Connector) Dials() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dials
}

// Tokens returns every bearer token received, in order (for tests that
// check a token never leaks).
func (c *Connector) Tokens() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.tokens...)
}

// SetAnswer sets the answer mode for the outbound actions the connector
// reads from now on. A frame Outbound already returned keeps the answer
// it had: the answer is decided before the frame is handed to the test.
func (c *Connector) SetAnswer(mode string) {
	c.mu.Lock()
	c.answer = mode
	c.mu.Unlock()
}

// Reject closes each of the next n connections with code and reason right
// after the upgrade (before any descriptor). Calls queue up.
func (c *Connector) Reject(n int, code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; i < n; i++ {
		c.rejects = append(c.rejects, reject{code, reason})
	}
}

// RejectAfterHandshake closes each of the next n connections with code and
// reason right after their first descriptor was sent.
func (c *Connector) RejectAfterHandshake(n int, code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; i < n; i++ {
		c.rejectsHS = append(c.rejectsHS, reject{code, reason})
	}
}

// CloseAll closes every open connection with code and reason.
func (c *Connector) CloseAll(code websocket.StatusCode, reason string) {
	c.closeConns(code, reason, false)
}

func (c *Connector) closeConns(code websocket.StatusCode, reason string, wait bool) {
	c.mu.Lock()
	var conns []*Conn
	for cn := range c.conns {
		conns = append(conns, cn)
	}
	c.mu.Unlock()
	for _, cn := range conns {
		cn.Close(code, reason)
	}
	if wait {
		for _, cn := range conns {
			<-cn.done // bounded: Close drops the connection after 10 s
		}
	}
}
