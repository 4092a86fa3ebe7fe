package relay

import "github.com/wasmgw/wasmgw/relay/internal/wire"

// HelloInfo is what a gateway tells the connector about itself in every
// hello, besides the identity: additive fields of the hello frame, each
// left out when empty, which a connector that does not know them ignores
// (docs/relay.md, "What the hello carries").
type HelloInfo struct {
	// Version names the gateway's build ("gatewayVersion"): the module
	// version and VCS revision, e.g. "v1.2.0+rev.1a2b3c4d5e6f".
	Version string
	// InstanceID is this process's instance id ("instanceId",
	// GATEWAY_RELAY_INSTANCE_ID), so that a connector can tell the
	// replicas of one gateway id apart.
	InstanceID string
	// Shard, when the home's profiles are split between several gateways,
	// says which of them this one serves ("shard").
	Shard *HelloShard
}

// HelloShard announces that a gateway serves shard Index of Count of its
// home's profiles: exactly those whose owner, by Hash over Count, is
// Index. A connector routes a profile's messages to the connection whose
// hello names the owning shard (package relay/shard computes the owner).
type HelloShard struct {
	Index int
	Count int
	Hash  string
}

// hello is the hello frame for one fronted identity.
func (c *Client) hello(id Identity) wire.HelloFrame {
	h := c.opts.Hello
	info := wire.HelloInfo{Version: h.Version, InstanceID: h.InstanceID}
	if h.Shard != nil {
		sh := wire.HelloShard(*h.Shard)
		info.Shard = &sh
	}
	return wire.HelloFrame{Platform: id.Platform, BotID: id.BotID, HelloInfo: info}
}
