package wire

// HelloInfo is the additive part of a hello frame, each field left out
// when empty (docs/relay.md, "What the hello carries").
type HelloInfo struct {
	// Version names the gateway's build ("gatewayVersion").
	Version string `json:"gatewayVersion,omitempty"`
	// InstanceID is the gateway process's instance id ("instanceId").
	InstanceID string `json:"instanceId,omitempty"`
	// Shard says which shard of its home's profiles the gateway serves.
	Shard *HelloShard `json:"shard,omitempty"`
}

// HelloShard is the "shard" of a hello: the gateway serves shard Index of
// Count, owners computed by Hash.
type HelloShard struct {
	Index int    `json:"index"`
	Count int    `json:"count"`
	Hash  string `json:"hash"`
}
