package runtime_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

func TestFleetServesTheGoodAndReportsTheBroken(t *testing.T) {
	home := runtimetest.SampleHome(t)
	e := runtimetest.Engine(t, nil, nil)
	h, err := runtime.OpenHome(home, runtime.Globals{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	f, err := runtime.OpenFleet(context.Background(), e, h, nil, 2, func(done, total int, name string, _ time.Duration, err error) {
		mu.Lock()
		seen = append(seen, name)
		mu.Unlock()
		if total != 5 || done < 1 || done > total {
			t.Errorf("progress %d/%d", done, total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	if got := strings.Join(f.Names(), ","); got != "alice,bob,default" {
		t.Errorf("served %s", got)
	}
	if got := strings.Join(f.Failed(), ","); got != "broken-env,missing-module" {
		t.Errorf("failed %s", got)
	}
	if err := f.Err("broken-env"); err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("broken-env error %v", err)
	}
	if len(seen) != 5 {
		t.Errorf("progress saw %v", seen)
	}
	if _, ok := f.Tenant("missing-module"); ok {
		t.Error("a broken profile is served")
	}
	// An allowlist loads only what it names.
	f2, err := runtime.OpenFleet(context.Background(), e, h, []string{"bob"}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close(context.Background())
	if got := strings.Join(f2.Names(), ","); got != "bob" {
		t.Errorf("allowlist served %s", got)
	}
	if _, err := runtime.OpenFleet(context.Background(), e, h, []string{"broken-env"}, 1, nil); err == nil {
		t.Error("a fleet with no loadable profile was accepted")
	}
}
