package runtime_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestInterpolationCacheSharedAndRotated: concurrent resolutions of one
// entry share its cache entry and all get the same answer; after the .env
// changes, the next resolution has the new value.
func TestInterpolationCacheSharedAndRotated(t *testing.T) {
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {Env: "TOKEN=tok-before-0123456789\n", Config: "wasmgw: {}\n"}})
	h, err := runtime.OpenHome(home, runtime.NewGlobals(nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	h.SetEnvCheckInterval(0)
	p, err := h.Profile("p")
	if err != nil {
		t.Fatal(err)
	}
	ten, err := runtimetest.Engine(t, nil, nil).Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer ten.Close(context.Background())
	entry := json.RawMessage(`{"command":"srv","args":["--token","${TOKEN}"],"env":{"T":"x-${TOKEN}-y"}}`)
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				res, err := ten.Interpolate(context.Background(), "s", entry)
				if err != nil {
					t.Error(err)
					return
				}
				results[i] = string(res.Entry)
			}
		}()
	}
	wg.Wait()
	want := `{"command":"srv","args":["--token","tok-before-0123456789"],"env":{"T":"x-tok-before-0123456789-y"}}`
	for i, got := range results {
		if got != want {
			t.Fatalf("resolution %d = %s, want %s", i, got, want)
		}
	}
	if err := os.WriteFile(p.EnvPath(), []byte("TOKEN=tok-after-9876543210\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := ten.Interpolate(context.Background(), "s", entry)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Entry); !strings.Contains(got, "tok-after-9876543210") || strings.Contains(got, "tok-before") {
		t.Fatalf("after the .env changed: %s", got)
	}
}
