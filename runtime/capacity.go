package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmgw/wasmgw/abi"
)

// Held is a set of live instances kept out of the pool, for capacity
// measurements (wasmgw bench).
type Held struct {
	t   *Tenant
	ins []*instance
}

// HoldInstances creates n live instances of the module offering tool, runs
// the tool once in each with an empty input (so each has done real work),
// and keeps them alive until Release.
func (t *Tenant) HoldInstances(ctx context.Context, tool string, n int) (*Held, error) {
	tm := t.byTool[tool]
	if tm == nil {
		return nil, fmt.Errorf("profile %q: tool %q: %w", t.profile.Name, tool, ErrUnknownTool)
	}
	scope, err := t.profile.Scope()
	if err != nil {
		return nil, err
	}
	h := &Held{t: t}
	for range n {
		b := &binding{
			e: t.e, profile: t.profile.Name, module: tm.cfg.Name, sha: tm.mod.SHA256,
			grants: tm.cfg.Grants, limits: tm.limits, self: tm.self, log: t.log,
		}
		in, err := t.e.newInstance(ctx, tm.mod, b, scope)
		if err != nil {
			h.Release(ctx)
			return nil, err
		}
		h.ins = append(h.ins, in)
		if _, _, err := in.call(ctx, time.Time{}, scope, nil, abi.ExportCallTool, tool, []byte("{}")); err != nil {
			h.Release(ctx)
			return nil, err
		}
	}
	return h, nil
}

// Release closes the held instances.
func (h *Held) Release(ctx context.Context) {
	for _, in := range h.ins {
		in.close(ctx)
	}
	h.ins = nil
}
