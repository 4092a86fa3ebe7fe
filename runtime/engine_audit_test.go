package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
)

// An embedder that forgets the audit sink is refused, with what to do; the
// opt-out is explicit.
func TestNewEngineRequiresAnAuditSink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := runtime.NewEngine(ctx, runtime.Options{})
	if err == nil || !strings.Contains(err.Error(), "Options.Audit") || !strings.Contains(err.Error(), "DiscardAudit") {
		t.Fatalf("NewEngine without Audit: err = %v, want a refusal naming Options.Audit and DiscardAudit", err)
	}
	e, err := runtime.NewEngine(ctx, runtime.Options{Audit: runtime.DiscardAudit{}})
	if err != nil {
		t.Fatalf("NewEngine with DiscardAudit: %v", err)
	}
	_ = e.Close(ctx)
}
