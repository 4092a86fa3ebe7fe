package suite

// This file writes the suite's temporary home (profiles, synthetic secrets,
// limits) and loads and closes its tenants.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// synthetic returns a fresh fake secret value: never a real one.
func synthetic(label string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "sk-audit-" + label + "-" + hex.EncodeToString(b)
}

func fingerprint(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func limitsYAML(l runtime.Limits) string {
	return fmt.Sprintf("{memory: %d, timeout: %s, max_output: %d, max_log: %d, max_host_calls: %d}",
		l.Memory, l.Timeout, l.MaxOutput, l.MaxLog, l.MaxHostCalls)
}

// loadRefusals are the modules the host must refuse at load, with the text
// its error must hold.
var loadRefusals = []struct{ row, module, want string }{
	{"load.unknown-import", "unknown_import", "imports env.exfiltrate"},
	{"load.unknown-host-function", "unknown_host_func", "imports wasmgw.secret_list, which this host does not provide"},
	{"load.bad-signature", "bad_signature", "imports wasmgw.secret_get with the wrong signature"},
	{"load.imported-memory", "imports_memory", "imports memory env.memory"},
	{"load.abi-version", "abi_v2", "built for wasmgw ABI v2; this host speaks v1"},
	{"load.no-abi-marker", "no_abi", "not a wasmgw module"},
	{"load.manifest-abi", "manifest_v2", "built for wasmgw ABI v2; this host speaks v1"},
}

func newSuite(ctx context.Context, opts Options) (_ *suite, err error) {
	dir, err := os.MkdirTemp("", "wasmgw-audit-")
	if err != nil {
		return nil, fmt.Errorf("suite home: %w", err)
	}
	s := &suite{opts: opts, dir: dir, secrets: map[string]map[string]string{}, tenants: map[string]*runtime.Tenant{}, errs: map[string]error{}}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	modDir := filepath.Join(dir, "modules")
	if err := os.MkdirAll(modDir, 0o700); err != nil {
		return nil, err
	}
	// The modules: copied out of the binary (or the given set). A missing
	// one is not fatal: the rows that need it fail, naming it.
	for _, name := range hostileNames() {
		b, err := fs.ReadFile(opts.Modules, name)
		if err != nil {
			s.missing = append(s.missing, name)
			continue
		}
		if err := os.WriteFile(filepath.Join(modDir, name), b, 0o600); err != nil {
			return nil, err
		}
	}
	mod := func(name string) string { return filepath.Join(modDir, name+".wasm") }

	profiles := map[string]struct{ env, config string }{}
	addProfile := func(name string, names []string, config string) {
		vals := map[string]string{}
		var env strings.Builder
		for _, n := range names {
			v := synthetic(strings.ToLower(strings.ReplaceAll(name, "-", "")))
			vals[n] = v
			s.values = append(s.values, v)
			fmt.Fprintf(&env, "%s=%s\n", n, v)
		}
		s.secrets[name] = vals
		profiles[name] = struct{ env, config string }{env.String(), config}
	}
	addProfile(neighbourProfile, []string{"OPENAI_API_KEY", "NEIGHBOUR_ONLY"},
		"wasmgw:\n  modules:\n    whoami:\n      path: builtin:whoami\n      grants: [OPENAI_API_KEY]\n")
	for i, t := range opts.Targets {
		lim := "  limits: " + limitsYAML(t.Limits) + "\n"
		addProfile(t.ID+"-attacker", []string{"OPENAI_API_KEY", "GITHUB_TOKEN", "GATEWAY_RELAY_SECRET"},
			"wasmgw:\n"+lim+"  modules:\n    hostile:\n      path: "+mod("hostile")+"\n      grants: [OPENAI_API_KEY]\n")
		addProfile(t.ID+"-twin", []string{"OPENAI_API_KEY", "GATEWAY_RELAY_SECRET"},
			"wasmgw:\n"+lim+"  modules:\n    hostile: "+mod("hostile")+"\n")
		for _, w := range []string{"spin", "grow", "stack", "table_grow"} {
			addProfile(t.ID+"-"+w, nil, "wasmgw:\n"+lim+"  modules:\n    "+w+": "+mod(w)+"\n")
		}
		if i == 0 {
			// The interrupt rows need the interrupt, not the clock, to stop
			// the call: at least 5s of timeout.
			il := t.Limits
			il.Timeout = max(il.Timeout, 5*time.Second)
			addProfile(interruptProfile, []string{"OPENAI_API_KEY"},
				"wasmgw:\n  limits: "+limitsYAML(il)+"\n  modules:\n    hostile:\n      path: "+mod("hostile")+"\n      grants: [OPENAI_API_KEY]\n")
			// The range attacks write into the guest's own memory (legally:
			// overlapping ranges), which can change its constants; each
			// runs in a fresh instance so none sees another's debris.
			addProfile(hostWorkProfile, []string{"OPENAI_API_KEY"}, hostWorkConfig(t.Limits, mod("hostile")))
			addProfile(rangesProfile, []string{"OPENAI_API_KEY"},
				"wasmgw:\n"+lim+"  modules:\n    hostile:\n      path: "+mod("hostile")+"\n      grants: [OPENAI_API_KEY]\n      fresh_per_call: true\n")
		}
	}
	for _, l := range loadRefusals {
		addProfile("load-"+strings.ReplaceAll(l.module, "_", "-"), nil, "wasmgw:\n  modules:\n    m: "+mod(l.module)+"\n")
	}
	if err := addHostBoundProfiles(modDir, mod, addProfile); err != nil {
		return nil, err
	}
	for name, p := range profiles {
		pdir := filepath.Join(dir, "profiles", name)
		if err := os.MkdirAll(pdir, 0o700); err != nil {
			return nil, err
		}
		if p.env != "" {
			if err := os.WriteFile(filepath.Join(pdir, ".env"), []byte(p.env), 0o600); err != nil {
				return nil, err
			}
		}
		if err := os.WriteFile(filepath.Join(pdir, "config.yaml"), []byte(p.config), 0o600); err != nil {
			return nil, err
		}
	}

	s.log = &logWatcher{values: s.values, counters: map[string]int{}}
	s.audit = &auditSink{values: s.values, counts: map[auditKey]int{}}
	s.engine, err = runtime.NewEngine(ctx, runtime.Options{
		CacheDir: opts.CacheDir,
		Logger:   slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Audit:    s.audit,
	})
	if err != nil {
		return nil, fmt.Errorf("suite engine: %w", err)
	}
	// No host globals: every answer comes from the synthetic profiles.
	if s.home, err = runtime.OpenHome(dir, runtime.NewGlobals(nil, "")); err != nil {
		return nil, err
	}
	if s.listener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("suite listener: %w", err)
	}
	// Load the profiles the rows attack now, so that compile time is not
	// counted against the first row (failures are kept for the rows).
	names := []string{neighbourProfile, interruptProfile, rangesProfile, hostWorkProfile}
	for _, t := range opts.Targets {
		names = append(names, t.ID+"-attacker", t.ID+"-twin", t.ID+"-spin", t.ID+"-grow", t.ID+"-stack", t.ID+"-table_grow")
	}
	for _, n := range names {
		if _, err := s.tenant(ctx, n); err != nil && n == neighbourProfile {
			return nil, fmt.Errorf("the benign neighbour profile does not load: %w", err)
		}
	}
	return s, nil
}

// tenant returns the loaded profile name, loading it on first use.
func (s *suite) tenant(ctx context.Context, name string) (*runtime.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tenants[name]; ok {
		return t, nil
	}
	if err, ok := s.errs[name]; ok {
		return nil, err
	}
	p, err := s.home.Profile(name)
	var t *runtime.Tenant
	if err == nil {
		t, err = s.engine.Open(ctx, p)
	}
	if err != nil {
		if len(s.missing) > 0 {
			err = fmt.Errorf("%d of %d hostile modules are missing from this binary; build it with 'make hostile' (missing: %s): %w", len(s.missing), len(hostileNames()), strings.Join(s.missing, ", "), err)
		}
		s.errs[name] = err
		return nil, err
	}
	s.tenants[name] = t
	return t, nil
}

func (s *suite) close() {
	ctx := context.Background()
	if s.nbr != nil {
		s.nbr.halt()
	}
	s.mu.Lock()
	for _, t := range s.tenants {
		t.Close(ctx)
	}
	s.mu.Unlock()
	if s.engine != nil {
		_ = s.engine.Close(ctx)
	}
	if s.listener != nil {
		_ = s.listener.Close()
	}
	_ = os.RemoveAll(s.dir)
}
