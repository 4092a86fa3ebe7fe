package guest_test

import (
	"fmt"
	"strings"

	"github.com/wasmgw/wasmgw/guest"
)

// Writing a guest: register typed tools in init (in a package main built
// with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared, see
// docs/abi.md), and test them natively with Invoke, which runs a tool as
// the host would: JSON in, JSON out, an error as the host reports it.
func Example() {
	type in struct {
		Name string `json:"name"`
	}
	type out struct {
		Greeting string `json:"greeting"`
	}
	// In a module this is in func init().
	guest.Tool("example_greet", "Greets someone by name.", func(i in) (out, error) {
		if i.Name == "" {
			return out{}, fmt.Errorf("name is required")
		}
		return out{Greeting: "hello " + strings.TrimSpace(i.Name)}, nil
	})

	reply, err := guest.Invoke("example_greet", []byte(`{"name":"alice"}`))
	fmt.Println(string(reply), err)
	_, err = guest.Invoke("example_greet", []byte(`{}`))
	fmt.Println(err)
	for _, tool := range guest.Manifest().Tools {
		if tool.Name == "example_greet" {
			fmt.Println(tool.Name+":", tool.Description)
		}
	}
	// Output:
	// {"greeting":"hello alice"} <nil>
	// name is required
	// example_greet: Greets someone by name.
}
