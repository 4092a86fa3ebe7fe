package relay

import (
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
	"github.com/wasmgw/wasmgw/relay/shard"
)

// TestHelloEnrichment: a hello without HelloInfo is byte-for-byte the
// contract's; with it, the additive fields are on the wire.
func TestHelloEnrichment(t *testing.T) {
	t.Parallel()
	id := Identity{Platform: "discord", BotID: "b1"}
	plain, err := wire.EncodeFrame((&Client{}).hello(id))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(plain)); got != `{"type":"hello","platform":"discord","botId":"b1"}` {
		t.Fatalf("plain hello %s", got)
	}
	c := &Client{opts: ClientOptions{Hello: HelloInfo{
		Version: "v1.2.0+rev.1a2b3c4d5e6f", InstanceID: "wasmgw-2", Shard: HelloShardFor(shard.Shard{Index: 2, Count: 3}),
	}}}
	b, err := wire.EncodeFrame(c.hello(id))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"hello","platform":"discord","botId":"b1","gatewayVersion":"v1.2.0+rev.1a2b3c4d5e6f","instanceId":"wasmgw-2","shard":{"index":2,"count":3,"hash":"jump-fnv1a64"}}`
	if got := strings.TrimSpace(string(b)); got != want {
		t.Fatalf("hello %s\nwant  %s", got, want)
	}
	if HelloShardFor(shard.Shard{}) != nil || HelloShardFor(shard.Shard{Index: 0, Count: 1}) != nil {
		t.Fatal("the whole home announces no shard")
	}
}
