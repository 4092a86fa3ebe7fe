package runtime_test

import (
	"context"
	"fmt"
	"log"

	"github.com/wasmgw/wasmgw/runtime"
)

// The embedding path: open a home, create the one engine of the process,
// open a profile's tenant and call one of its tools. The sample home's
// alice profile has the built-in whoami tool, granted OPENAI_API_KEY; the
// audit sink records the read (never the value).
func Example() {
	ctx := context.Background()
	home, err := runtime.OpenHome("../testdata/home", runtime.NewGlobals(nil, ""))
	if err != nil {
		log.Fatal(err)
	}
	audit := &runtime.MemoryAudit{}
	engine, err := runtime.NewEngine(ctx, runtime.Options{Audit: audit})
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Close(ctx)

	profile, err := home.Profile("alice")
	if err != nil {
		log.Fatal(err)
	}
	tenant, err := engine.Open(ctx, profile)
	if err != nil {
		log.Fatal(err)
	}
	defer tenant.Close(ctx)

	out, err := tenant.CallTool(ctx, "whoami", []byte(`{}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	for _, r := range audit.Records() {
		fmt.Println("audit:", r.Profile, r.Module, r.Name, r.Outcome)
	}
	// Output:
	// {"profile":"alice","key_sha256":"f4717c186a22f6d6b5288b985a2472e4ae4739f56b1b00407707ebcbc4b5aa9a"}
	// audit: alice whoami OPENAI_API_KEY granted
}
