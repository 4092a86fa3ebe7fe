package relay_test

import (
	"fmt"

	"github.com/wasmgw/wasmgw/relay"
)

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
func ExampleSessionKey() {
	src := relay.Source{Platform: "discord", ChatType: "group", ChatID: "chanA", UserID: "userX"}
	fmt.Println(relay.SessionKey(relay.Event{Source: src}))
	src.Profile = "ops"
	fmt.Println(relay.SessionKey(relay.Event{Source: src}))
	// Output:
	// agent:main:discord:group:chanA:userX
	// agent:ops:discord:group:chanA:userX
}
