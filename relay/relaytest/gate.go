package relaytest

import (
	"net"
	"sync/atomic"
)

// gateListener keeps the connector's port bound for the connector's whole
// life. While it is shut (between Stop or Kill and Start) every connection
// is accepted and reset at once, so a dial fails just as it would against a
// closed port; but the port is never released, so no other socket on the
// machine can take it before Start (closing and binding the port again lost
// that race to a neighbour's ephemeral port under parallel tests).
type gateListener struct {
	net.Listener
	shut atomic.Bool
}

// Accept returns the next connection while the gate is open; while it is
// shut, connections are reset and never reach the server.
func (g *gateListener) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if !g.shut.Load() {
			return c, nil
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // reset, not a graceful close
		}
		_ = c.Close()
	}
}
