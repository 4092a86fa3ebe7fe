package relay_test

import (
	"fmt"
	"time"

	"github.com/wasmgw/wasmgw/relay"
)

// The upgrade token of a dial is minted from the gateway id and secret; the
// connector verifies it against its list of secrets.
func ExampleMintToken() {
	token := relay.MintToken("gw-alpha", "s3cret-rotation-key-1", 1767225600)
	fmt.Println(token)

	id, err := relay.VerifyToken(token, []string{"previous-secret", "s3cret-rotation-key-1"}, time.Unix(1767225000, 0))
	fmt.Println(id, err)
	_, err = relay.VerifyToken(token, []string{"s3cret-rotation-key-1"}, time.Unix(1767225601, 0))
	fmt.Println(err)
	// Output:
	// Z3ctYWxwaGE6MTc2NzIyNTYwMDo4Yzg5OTVhNDI0ZTZjODMwMDlmYzZjYmE5MGE2YWI1MWRiZGNjNTkwMmE4MzhhNjFhYjhmNDI3MWU5MjhhZjI3
	// gw-alpha <nil>
	// relay token: expired
}

// A connector base URL maps to the WebSocket URL the client dials.
func ExampleConfig_DialURL() {
	for _, u := range []string{"https://connector.example/", "http://127.0.0.1:8080/relay"} {
		fmt.Println(relay.Config{URL: u}.DialURL())
	}
	// Output:
	// wss://connector.example/relay
	// ws://127.0.0.1:8080/relay
}

// Secrets redact themselves wherever they are printed.
func ExampleSecret() {
	s := relay.Secret("hunter2")
	fmt.Println(s, fmt.Sprintf("%v %q", s, s))
	// Output:
	// [redacted] [redacted] "[redacted]"
}

// A session key namespaces a chat by the connector-stamped profile.
func ExampleSessionKeyFor() {
	src := relay.Source{Platform: "discord", ChatType: relay.ChatGroup, ChatID: "chanA", UserID: "userX"}
	fmt.Println(relay.SessionKeyFor(src, ""))
	fmt.Println(relay.SessionKeyFor(src, "ops"))
	// Output:
	// agent:main:discord:group:chanA:userX
	// agent:ops:discord:group:chanA:userX
}
