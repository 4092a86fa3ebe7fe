package relaytest

import (
	"context"
	"fmt"
	"sort"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
	"github.com/wasmgw/wasmgw/relay/shard"
)

// Several gateways may share one connector, each serving a shard of its
// home's profiles and saying so in its hello ("shard": index, count,
// hash). The connector routes a message by the profile it stamped: to the
// connection whose shard owns it (package relay/shard), the way a real
// connector does (docs/operations.md, "Scaling out").

func (cn *Conn) setSeq(n int) {
	cn.mu.Lock()
	cn.seq = n
	cn.mu.Unlock()
}

func (cn *Conn) recordOutbound(f wire.OutboundFrame) {
	if cn.c.opts.ForgetSent {
		return
	}
	cn.mu.Lock()
	cn.sent = append(cn.sent, f)
	cn.mu.Unlock()
}

// Sent returns the outbound frames this connection carried so far (none
// with Options.ForgetSent).
func (cn *Conn) Sent() []wire.OutboundFrame {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return append([]wire.OutboundFrame(nil), cn.sent...)
}

// Shard returns the shard the connection's first hello announced (nil:
// the whole home, or no hello yet).
func (cn *Conn) Shard() *relay.HelloShard {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if len(cn.hellos) == 0 || cn.hellos[0].Shard == nil {
		return nil
	}
	sh := relay.HelloShard(*cn.hellos[0].Shard)
	return &sh
}

// serves reports whether the connection takes messages for profile: its
// hello announced no shard, or a shard of our hash that owns the profile.
func (cn *Conn) serves(profile string) bool {
	s := cn.Shard()
	if s == nil {
		return true
	}
	if s.Hash != shard.Algorithm {
		return false
	}
	return shard.Of(profile, s.Count) == s.Index
}

// Route returns the live connection that serves profile: of those whose
// hello's shard owns it, the one that said hello last (during a rollout an
// old and a new gateway may both claim a profile; the newer wins).
func (c *Connector) Route(profile string) (*Conn, error) {
	c.mu.Lock()
	var live []*Conn
	for cn := range c.conns {
		live = append(live, cn)
	}
	c.mu.Unlock()
	var best *Conn
	bestSeq := 0
	for _, cn := range live {
		cn.mu.Lock()
		seq, hello := cn.seq, len(cn.hellos) > 0
		cn.mu.Unlock()
		if hello && cn.serves(profile) && seq > bestSeq {
			best, bestSeq = cn, seq
		}
	}
	if best == nil {
		return nil, fmt.Errorf("relaytest: no live connection serves profile %q", profile)
	}
	return best, nil
}

// PushRouted sends in to the connection that serves its stamped profile
// (see Route) and returns that connection.
func (c *Connector) PushRouted(ctx context.Context, in relay.Inbound) (*Conn, error) {
	cn, err := c.Route(in.Event.Source.Profile)
	if err != nil {
		return nil, err
	}
	return cn, cn.Push(ctx, in)
}

// Conns returns the live connections that said hello, in hello order.
func (c *Connector) Conns() []*Conn {
	c.mu.Lock()
	var live []*Conn
	for cn := range c.conns {
		live = append(live, cn)
	}
	c.mu.Unlock()
	type ordered struct {
		cn  *Conn
		seq int
	}
	var out []ordered
	for _, cn := range live {
		cn.mu.Lock()
		seq := cn.seq
		cn.mu.Unlock()
		if seq > 0 {
			out = append(out, ordered{cn, seq})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	conns := make([]*Conn, len(out))
	for i, o := range out {
		conns[i] = o.cn
	}
	return conns
}
