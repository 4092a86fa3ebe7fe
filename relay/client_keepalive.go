// The Client's keepalive: a ping every interval, and a connection closed
// when its pong does not come in time.

package relay

import (
	"context"
	"time"
)

// keepalive pings every interval; a ping without pong within timeout closes
// the connection.
func (cn *wsConn) keepalive(interval, timeout time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-cn.ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(cn.ctx, timeout)
		err := cn.ws.Ping(pctx)
		cancel()
		if err != nil {
			if cn.ctx.Err() == nil {
				cn.c.log.Warn("relay: keepalive ping failed; closing", "timeout", timeout, "error", cn.c.scrub(err))
				_ = cn.ws.CloseNow()
			}
			return
		}
	}
}
