package relay

import (
	"fmt"

	"github.com/wasmgw/wasmgw/relay/shard"
)

// misrouted is the drop reason of a message for a profile another shard
// owns: the connector sent it to the wrong gateway.
func misrouted(profile string, s shard.Shard) string {
	return fmt.Sprintf("profile belongs to shard %d/%d, this gateway serves shard %s (%s): the connector routed it to the wrong gateway",
		shard.Of(profile, s.Count), s.Count, s, shard.Algorithm)
}

// HelloShardFor is the hello's shard field for s (nil for the whole home).
func HelloShardFor(s shard.Shard) *HelloShard {
	if s.Whole() {
		return nil
	}
	return &HelloShard{Index: s.Index, Count: s.Count, Hash: shard.Algorithm}
}
