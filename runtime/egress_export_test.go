package runtime

import "bytes"

// IdleMemoriesForTest returns a copy of the linear memory of every idle
// (pooled) instance of the tenant's module, for tests that scan a guest's
// memory after a call.
func (t *Tenant) IdleMemoriesForTest(module string) [][]byte {
	tm := t.modules[module]
	if tm == nil {
		return nil
	}
	t.e.pool.mu.Lock()
	defer t.e.pool.mu.Unlock()
	var out [][]byte
	for _, e := range tm.idle {
		mem := e.in.mod.Memory()
		b, _ := mem.Read(0, mem.Size())
		out = append(out, bytes.Clone(b))
	}
	return out
}
