package wire_test

import (
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// TestHelloEnrichment: a hello without HelloInfo is byte-for-byte the
// contract's; with it, the additive fields are present and decode back.
func TestHelloEnrichment(t *testing.T) {
	t.Parallel()
	plain, err := wire.EncodeFrame(wire.HelloFrame{Platform: "discord", BotID: "b1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(plain)); got != `{"type":"hello","platform":"discord","botId":"b1"}` {
		t.Fatalf("plain hello %s", got)
	}
	h := wire.HelloFrame{Platform: "discord", BotID: "b1", HelloInfo: wire.HelloInfo{
		Version: "v1.2.0+rev.1a2b3c4d5e6f", InstanceID: "wasmgw-2", Shard: &wire.HelloShard{Index: 2, Count: 3, Hash: "jump-fnv1a64"},
	}}
	b, err := wire.EncodeFrame(h)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"hello","platform":"discord","botId":"b1","gatewayVersion":"v1.2.0+rev.1a2b3c4d5e6f","instanceId":"wasmgw-2","shard":{"index":2,"count":3,"hash":"jump-fnv1a64"}}`
	if got := strings.TrimSpace(string(b)); got != want {
		t.Fatalf("hello %s\nwant  %s", got, want)
	}
	f, err := wire.DecodeFrame([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	back, ok := f.(wire.HelloFrame)
	if !ok || back.InstanceID != "wasmgw-2" || back.Version != h.Version || back.Shard == nil || *back.Shard != *h.Shard {
		t.Fatalf("decoded %#v", f)
	}
}
