package token_test

import (
	"fmt"
	"time"

	"github.com/wasmgw/wasmgw/relay/internal/token"
)

// The upgrade token of a dial is minted from the gateway id and secret; the
// connector verifies it against its list of secrets.
func ExampleMint() {
	tok := token.Mint("gw-alpha", "s3cret-rotation-key-1", 1767225600)
	fmt.Println(tok)

	id, err := token.Verify(tok, []string{"previous-secret", "s3cret-rotation-key-1"}, time.Unix(1767225000, 0))
	fmt.Println(id, err)
	_, err = token.Verify(tok, []string{"s3cret-rotation-key-1"}, time.Unix(1767225601, 0))
	fmt.Println(err)
	// Output:
	// Z3ctYWxwaGE6MTc2NzIyNTYwMDo4Yzg5OTVhNDI0ZTZjODMwMDlmYzZjYmE5MGE2YWI1MWRiZGNjNTkwMmE4MzhhNjFhYjhmNDI3MWU5MjhhZjI3
	// gw-alpha <nil>
	// relay token: expired
}
