package inspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/internal/dotenv"
	"github.com/wasmgw/wasmgw/runtime/internal/wasmbin"
)

// manySecrets is the number of names from which a module with no grant
// list (it may read every name of its profile) is a medium finding rather
// than a low one.
const manySecrets = 3

const reservedPrefix = "GATEWAY_RELAY_"

// inventoryOptions say what to inventory.
type inventoryOptions struct {
	// Home is the gateway home directory.
	Home string
	// Profiles are the profiles to inventory; empty means every profile of
	// the home (including "default" when the home has a config.yaml).
	Profiles []string
	// GlobalAllowlist is the allowlist the gateway runs with (space- or
	// comma-separated; "" means runtime.DefaultGlobalAllowlist).
	GlobalAllowlist string
	// Environ is the host environment (os.Environ form), used only to
	// resolve MCP stdio commands the way the gateway would (PATH, HOME).
	Environ []string
}

// takeInventory reads every audited profile of a home from disk, without
// running anything: config, .env names and mode, modules (hash, size,
// imports, exports, memories, ABI version, grants, limits, egress policy)
// and MCP servers (the names each entry references). It returns the
// profiles with the findings the static rules raise. Only an unusable home
// or an unknown profile name is an error.
func takeInventory(opts inventoryOptions) ([]ProfileReport, []Finding, error) {
	allow := globalNames(opts.GlobalAllowlist)
	h, err := runtime.OpenHome(opts.Home, runtime.Globals{})
	if err != nil {
		return nil, nil, err
	}
	names, err := profileNames(h, opts.Profiles)
	if err != nil {
		return nil, nil, err
	}
	var profiles []ProfileReport
	var findings []Finding
	for _, name := range names {
		p, fs := inventoryProfile(h.Dir(), name, allow, opts.Environ)
		profiles = append(profiles, p)
		findings = append(findings, fs...)
	}
	return profiles, findings, nil
}

// globalNames returns the sorted names of an allowlist, without relay
// names (never global).
func globalNames(list string) []string {
	if strings.TrimSpace(list) == "" {
		list = runtime.DefaultGlobalAllowlist
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range strings.FieldsFunc(list, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '\t' }) {
		if !seen[n] && !strings.HasPrefix(n, reservedPrefix) {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func profileNames(h *runtime.Home, want []string) ([]string, error) {
	all, err := h.ProfileNames()
	if err != nil {
		return nil, err
	}
	if len(want) == 0 {
		return all, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, w := range want {
		n, err := runtime.NormalizeProfileName(w)
		if err != nil {
			return nil, err
		}
		if !contains(all, n) {
			return nil, fmt.Errorf("profile %q: no such profile in %s (profiles: %s)", n, h.Dir(), strings.Join(all, ", "))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func profileDir(home, name string) string {
	if name == runtime.DefaultProfile {
		return home
	}
	return filepath.Join(home, "profiles", name)
}

// withDefaults fills the zero fields of l from base (the runtime's rule for
// module and profile limits).
func withDefaults(l, base runtime.Limits) runtime.Limits {
	if l.Memory == 0 {
		l.Memory = base.Memory
	}
	if l.Timeout == 0 {
		l.Timeout = base.Timeout
	}
	if l.MaxOutput == 0 {
		l.MaxOutput = base.MaxOutput
	}
	if l.MaxLog == 0 {
		l.MaxLog = base.MaxLog
	}
	if l.MaxHostCalls == 0 {
		l.MaxHostCalls = base.MaxHostCalls
	}
	if l.MaxAuditRecords == 0 {
		l.MaxAuditRecords = base.MaxAuditRecords
	}
	return l
}

// profileLimits returns a profile's limits with the defaults filled in, as
// the runtime computes them.
func profileLimits(cfg *runtime.Config) runtime.Limits {
	return withDefaults(cfg.Limits, runtime.DefaultLimits())
}

// writableByOthers describes a file or directory that a user other than
// its owner can write ("" when none can).
func writableByOthers(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return ""
	}
	perm := st.Mode().Perm()
	switch {
	case perm&0o002 != 0:
		return fmt.Sprintf("%s is writable by every user (mode %04o)", path, perm)
	case perm&0o020 != 0:
		return fmt.Sprintf("%s is writable by its group (mode %04o)", path, perm)
	}
	return ""
}

func inventoryProfile(home, name string, allow []string, environ []string) (ProfileReport, []Finding) {
	dir := profileDir(home, name)
	p := ProfileReport{Name: name, Dir: dir}
	var findings []Finding
	add := func(id string, sev Severity, module, subject, msg string) {
		findings = append(findings, Finding{ID: id, Severity: sev, Profile: name, Module: module, Subject: subject, Message: msg})
	}

	// config.yaml
	cfg := &runtime.Config{}
	cfgPath := filepath.Join(dir, "config.yaml")
	if data, err := os.ReadFile(cfgPath); err == nil {
		if c, err := runtime.ParseConfig(cfgPath, data); err != nil {
			p.ConfigError = err.Error()
			add("config.invalid", SeverityMedium, "", cfgPath, fmt.Sprintf("config.yaml does not parse, so the profile is refused at load: %v", err))
		} else {
			cfg = c
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		p.ConfigError = err.Error()
		add("config.invalid", SeverityMedium, "", cfgPath, fmt.Sprintf("config.yaml cannot be read: %v", err))
	}
	for _, path := range []string{dir, cfgPath} {
		if w := writableByOthers(path); w != "" {
			add("fs.writable-by-others", SeverityHigh, "", path, w+": another user can change what this profile runs and which secrets it grants")
		}
	}

	// .env: names and mode, never values.
	envPath := filepath.Join(dir, ".env")
	p.Env = EnvReport{Path: envPath}
	values := map[string]string{}
	if st, err := os.Stat(envPath); err == nil {
		p.Env.Exists = true
		perm := st.Mode().Perm()
		p.Env.Mode = fmt.Sprintf("%04o", perm)
		switch {
		case perm&0o004 != 0:
			add("env.readable-by-others", SeverityHigh, "", envPath, fmt.Sprintf(".env is readable by every user (mode %04o): its secrets are not confined to the gateway; chmod 600 it", perm))
		case perm&0o040 != 0:
			add("env.readable-by-others", SeverityHigh, "", envPath, fmt.Sprintf(".env is readable by its group (mode %04o): every member of the group reads its secrets without any sandbox; chmod 600 it", perm))
		}
		if w := writableByOthers(envPath); w != "" {
			add("fs.writable-by-others", SeverityHigh, "", envPath, w+": another user can replace this profile's secrets")
		}
		if data, err := os.ReadFile(envPath); err != nil {
			p.Env.Error = err.Error()
			add("env.invalid", SeverityMedium, "", envPath, fmt.Sprintf(".env cannot be read, so the profile is refused at load: %v", err))
		} else if v, err := dotenv.Parse(envPath, data); err != nil {
			p.Env.Error = err.Error() // a dotenv.Error never holds the line's text
			add("env.invalid", SeverityMedium, "", envPath, fmt.Sprintf(".env does not parse, so the profile is refused at load: %v", err))
		} else {
			values = v
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		p.Env.Error = err.Error()
	}
	for n := range values {
		p.Env.Names = append(p.Env.Names, n)
	}
	sort.Strings(p.Env.Names)
	for _, n := range p.Env.Names {
		switch {
		case strings.HasPrefix(n, reservedPrefix):
			sev := SeverityLow
			if name == runtime.DefaultProfile {
				sev = SeverityInfo
			}
			add("env.relay-material", sev, "", n, fmt.Sprintf("%s is relay auth material: no guest can ever read it; it belongs in the host's settings, not a profile's secrets", n))
		case contains(allow, n):
			add("env.global-name", SeverityMedium, "", n, fmt.Sprintf("%s is on the global allowlist: every module of every profile reads the host's value under this name, never this profile's, and grants do not apply", n))
		}
	}
	defined := func(n string) bool { _, ok := values[n]; return ok || contains(allow, n) }

	// Modules.
	base := profileLimits(cfg)
	p.Limits = limitsReport(base)
	type planned struct {
		mc   runtime.ModuleConfig
		role string
	}
	var mods []planned
	for _, mc := range cfg.Modules {
		mods = append(mods, planned{mc, roleTool})
	}
	handlerRef := cfg.Handler
	if handlerRef == "" {
		handlerRef = runtime.DefaultHandler
	}
	if i := moduleIndex(cfg.Modules, handlerRef); i >= 0 {
		mods[i].role = roleTool + "," + roleHandler
	} else {
		mods = append(mods, planned{runtime.ModuleConfig{Name: "handler", Path: handlerRef, Grants: []string{}}, roleHandler})
	}
	if cfg.MCPServers != nil && len(cfg.MCPServers.Content) > 0 {
		ref := cfg.Interpolation
		if ref == "" {
			ref = runtime.DefaultInterpolation
		}
		if i := moduleIndex(cfg.Modules, ref); i >= 0 {
			mods[i].role += "," + roleInterpolation
		} else {
			mods = append(mods, planned{runtime.ModuleConfig{Name: "interpolate", Path: ref, FreshPerCall: true}, roleInterpolation})
		}
	}
	for _, pm := range mods {
		m, fs := inventoryModule(dir, name, pm.mc, pm.role, base, values, allow)
		p.Modules = append(p.Modules, m)
		findings = append(findings, fs...)
	}

	// MCP servers.
	var mfs []Finding
	p.MCPServers, mfs = inspectMCP(cfg.MCPServers, name, mcpEnv{profileDir: dir, environ: environ, defined: defined})
	findings = append(findings, mfs...)
	return p, findings
}

func moduleIndex(mods []runtime.ModuleConfig, ref string) int {
	for i, m := range mods {
		if m.Name == ref {
			return i
		}
	}
	return -1
}

func inventoryModule(dir, profile string, mc runtime.ModuleConfig, role string, base runtime.Limits, values map[string]string, allow []string) (ModuleReport, []Finding) {
	m := ModuleReport{
		Name: mc.Name, Role: role, Path: mc.Path,
		GrantsAll: mc.Grants == nil, Grants: mc.Grants,
		Limits: limitsReport(withDefaults(mc.Limits, base)), FreshPerCall: mc.FreshPerCall,
	}
	var findings []Finding
	add := func(id string, sev Severity, subject, msg string) {
		findings = append(findings, Finding{ID: id, Severity: sev, Profile: profile, Module: mc.Name, Subject: subject, Message: msg})
	}
	isBuiltin := strings.HasPrefix(mc.Path, builtin.Prefix)

	// Grants.
	switch {
	case mc.Grants == nil && isBuiltin && role == roleInterpolation:
		// builtin:interpolate reads the names the config references: by design.
	case mc.Grants == nil && len(values) >= manySecrets:
		add("grants.all-names", SeverityMedium, "", fmt.Sprintf("module %q has no grant list, so it may read all %d secrets of the profile; list the names it needs under grants:", mc.Name, len(values)))
	case mc.Grants == nil && len(values) > 0:
		add("grants.all-names", SeverityLow, "", fmt.Sprintf("module %q has no grant list, so it may read all %d secrets of the profile; list the names it needs under grants:", mc.Name, len(values)))
	}
	for _, g := range mc.Grants {
		_, ok := values[g]
		switch {
		case strings.HasPrefix(g, reservedPrefix):
			add("grants.relay-material", SeverityInfo, g, fmt.Sprintf("grant %s is relay auth material, which no guest can read whatever its grants", g))
		case contains(allow, g):
			add("grants.global-name", SeverityInfo, g, fmt.Sprintf("grant %s is on the global allowlist: every module reads it, granted or not", g))
		case !ok:
			add("grants.unknown-name", SeverityLow, g, fmt.Sprintf("grant %s names a secret the profile does not define (a typo?)", g))
		}
	}

	// Egress policy: names and hosts only.
	if e := mc.Egress; e != nil {
		er := &EgressReport{Allow: append([]string(nil), e.Allow...), BodyPlaceholders: append([]string(nil), e.BodyPlaceholders...), AllowPrivate: e.AllowPrivate}
		for _, pn := range e.PrivateNets {
			er.PrivateNets = append(er.PrivateNets, pn.String())
		}
		for n, hosts := range e.Secrets {
			hs := append([]string(nil), hosts...)
			sort.Strings(hs)
			er.Secrets = append(er.Secrets, EgressSecret{Name: n, Hosts: hs})
			for _, h := range hs {
				if strings.HasPrefix(h, "*.") {
					add("egress.wildcard-secret", SeverityLow, n, fmt.Sprintf("secret %s may be sent to any host under %s", n, h))
				}
			}
		}
		sort.Slice(er.Secrets, func(i, j int) bool { return er.Secrets[i].Name < er.Secrets[j].Name })
		m.Egress = er
		if e.AllowPrivate || len(e.PrivateNets) > 0 {
			add("egress.private-networks", SeverityMedium, "", fmt.Sprintf("module %q may reach private, loopback or link-local addresses with http_fetch: the gateway's own network is in reach", mc.Name))
		}
	}

	// The binary.
	var wasm []byte
	var err error
	if bname, ok := strings.CutPrefix(mc.Path, builtin.Prefix); ok {
		m.Resolved = mc.Path
		wasm, err = builtin.Module(bname)
	} else {
		path := mc.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		m.Resolved = path
		real, rerr := filepath.EvalSymlinks(path)
		if rerr != nil {
			real = path
		}
		if !within(real, dir) {
			add("module.outside-profile", SeverityLow, real, fmt.Sprintf("module %q is read from %s, outside the profile directory: whoever controls that file controls the module", mc.Name, real))
		}
		if w := writableByOthers(real); w != "" {
			add("fs.writable-by-others", SeverityHigh, real, w+": another user can replace this module's code")
		} else if w := writableByOthers(filepath.Dir(real)); w != "" {
			add("fs.writable-by-others", SeverityHigh, filepath.Dir(real), w+": another user can replace this module's code")
		}
		if st, serr := os.Stat(path); serr == nil && st.Size() > runtime.DefaultMaxModuleSize {
			m.Size = int(st.Size())
			m.Error = fmt.Sprintf("module is %d bytes, more than the largest module a host loads by default (%d bytes): shrink it or raise --max-module-size", st.Size(), runtime.DefaultMaxModuleSize)
			add("module.too-large", SeverityHigh, path, fmt.Sprintf("module %q is %d bytes, over the %d MiB a host loads by default: the gateway refuses it before reading it (unless --max-module-size is raised), and compiling a module that large costs the host gigabytes", mc.Name, st.Size(), runtime.DefaultMaxModuleSize>>20))
			return m, findings
		}
		wasm, err = os.ReadFile(path)
	}
	if err != nil {
		m.Error = err.Error()
		add("module.unreadable", SeverityMedium, m.Resolved, fmt.Sprintf("module %q cannot be read, so the profile is refused at load: %v", mc.Name, err))
		return m, findings
	}
	sum := sha256.Sum256(wasm)
	m.SHA256, m.Size = hex.EncodeToString(sum[:]), len(wasm)
	// The same reader the runtime runs before it compiles a module, so what
	// the audit reports and what the host refuses cannot drift apart.
	info, err := wasmbin.Parse(wasm)
	if err != nil {
		m.Error = err.Error()
		add("module.malformed", SeverityHigh, m.Resolved, fmt.Sprintf("module %q is not a WebAssembly module: %v", mc.Name, err))
		return m, findings
	}
	m.ABIVersion = info.ABIVersion()
	for _, im := range info.Imports {
		ok, why := wasmbin.ImportVerdict(im)
		m.Imports = append(m.Imports, ImportReport{Module: im.Module, Name: im.Name, Kind: im.Kind, Signature: im.Signature(), Provided: ok})
		if !ok {
			id := "module.foreign-import"
			if im.Kind == "memory" {
				id = "module.imports-memory"
			}
			add(id, SeverityHigh, im.Module+"."+im.Name, fmt.Sprintf("module %q %s", mc.Name, why))
		}
	}
	for _, ex := range info.Exports {
		m.Exports = append(m.Exports, ExportReport{Name: ex.Name, Kind: ex.Kind})
	}
	limit := withDefaults(mc.Limits, base).Memory
	for _, mem := range info.Memories {
		m.Memories = append(m.Memories, MemoryReport{MinPages: mem.Min, MaxPages: mem.Max, Imported: mem.Imported, Shared: mem.Shared, Memory64: mem.Memory64})
		if !mem.Imported && mem.Min > limit/(64<<10) {
			add("module.memory-over-limit", SeverityHigh, "memory", fmt.Sprintf("module %q declares an initial memory of %d pages (%d MiB), more than its memory limit of %d MiB: no instance of it can be created, the host refuses it at load (a host without this check panicked while instantiating it, taking every profile down)", mc.Name, mem.Min, mem.Min>>4, limit>>20))
		}
	}
	switch v := m.ABIVersion; {
	case v == 0:
		add("module.abi-mismatch", SeverityHigh, "", fmt.Sprintf("module %q states no ABI version (no %s%d export): it was not built for wasmgw", mc.Name, abi.VersionExportPrefix, abi.Version))
	case v != abi.Version:
		add("module.abi-mismatch", SeverityHigh, "", fmt.Sprintf("module %q was built for ABI v%d; this host speaks v%d", mc.Name, v, abi.Version))
	}
	var missing []string
	for _, need := range []string{abi.ExportAlloc, abi.ExportDescribe} {
		if !info.HasExport(need, "func") {
			missing = append(missing, need)
		}
	}
	exportsMemory := false
	for _, ex := range info.Exports {
		exportsMemory = exportsMemory || ex.Kind == "memory"
	}
	if !exportsMemory {
		missing = append(missing, "a memory")
	}
	if len(missing) > 0 {
		add("module.missing-exports", SeverityMedium, "", fmt.Sprintf("module %q does not export %s, which ABI v%d requires: the host refuses it", mc.Name, strings.Join(missing, ", "), abi.Version))
	}
	return m, findings
}

// checkLoad loads each profile into engine exactly as the gateway would
// (every module compiled, checked and described; describing runs a
// module's code with no secret in reach) and records, per profile, whether
// it loads and which tools each module offers.
func checkLoad(ctx context.Context, engine *runtime.Engine, home *runtime.Home, profiles []ProfileReport) []Finding {
	var findings []Finding
	for i := range profiles {
		p := &profiles[i]
		p.Load = &LoadReport{}
		prof, err := home.Profile(p.Name)
		if err == nil {
			var t *runtime.Tenant
			if t, err = engine.Open(ctx, prof); err == nil {
				tools := t.Tools()
				p.Load.Tools = len(tools)
				for _, tool := range tools {
					for j := range p.Modules {
						if p.Modules[j].Name == tool.Module && strings.Contains(p.Modules[j].Role, roleTool) {
							p.Modules[j].Tools = append(p.Modules[j].Tools, tool.Name)
						}
					}
					if !abi.ValidToolName(tool.Name) {
						findings = append(findings, Finding{ID: "module.bad-tool-name", Severity: SeverityMedium, Profile: p.Name, Module: tool.Module, Subject: tool.Name,
							Message: fmt.Sprintf("module %q declares a tool named %q, outside [a-z0-9_.-]{1,%d}: it may be confused with another name where it is shown or routed", tool.Module, tool.Name, abi.MaxNameLen)})
					}
				}
				t.Close(ctx)
			}
		}
		if err != nil {
			p.Load.Error = err.Error()
			var ce *runtime.CallError
			if errors.As(err, &ce) && ce.Kind == runtime.KindHostBug {
				findings = append(findings, Finding{ID: "profile.load-host-bug", Severity: SeverityHigh, Profile: p.Name,
					Message: fmt.Sprintf("loading the profile made the host panic (contained, logged as a bug): %v", err)})
				continue
			}
			findings = append(findings, Finding{ID: "profile.load-failed", Severity: SeverityMedium, Profile: p.Name,
				Message: fmt.Sprintf("the profile is refused at load (fail-closed: the gateway serves nothing for it): %v", err)})
			continue
		}
		p.Load.OK = true
	}
	return findings
}
