// Package inspect is wasmgw's security review harness: a static inventory
// of a home (every module's hash, imports, exports, memories and ABI
// version; every profile's grants, limits, .env names and mode, MCP
// servers and the secret names they reference), the findings a reviewer
// must look at, a hostile suite that attacks a real engine with our own
// hostile modules under each audited profile's limits, and the report
// (text, Markdown, or JSON of schema "wasmgw.audit/v1"). It also reads the
// secret-access audit trail (SummarizeAuditLog).
//
// Nothing here reads a secret value of the audited home except to make
// sure the report does not contain one: the suite runs on synthetic
// values generated for each run.
package inspect

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/internal/dotenv"
	"github.com/wasmgw/wasmgw/runtime/version"
)

// Options configure an audit.
type Options struct {
	// Home is the gateway home directory.
	Home string
	// Profiles limits the audit to these profiles (empty: all).
	Profiles []string
	// GlobalAllowlist is the gateway's allowlist ("" for the default).
	GlobalAllowlist string
	// Environ is the host environment (os.Environ form): PATH and HOME to
	// resolve MCP commands, and the names the suite asks a guest for.
	Environ []string
	// CacheDir is the compilation cache ("" for none).
	CacheDir string
	// StaticOnly skips everything that runs a module: the load check and
	// the hostile suite.
	StaticOnly bool
	// Modules holds the hostile modules (nil: those embedded in the binary).
	Modules fs.FS
	// Version is the wasmgw version to record ("": Build.Short()).
	Version string
	// Build describes the binary (zero: this binary's build info).
	Build version.Info
	// Now returns the time of the report (nil: time.Now).
	Now func() time.Time
	// Logger receives the load check's engine logs (nil: discarded).
	Logger *slog.Logger
	// Progress, if set, is told as each hostile row finishes.
	Progress func(RowReport)
	// MaxModuleSize is the module size bound of the load check's engine
	// (0: runtime.DefaultMaxModuleSize). The static finding
	// module.too-large uses the default bound.
	MaxModuleSize uint64
}

// Audit inventories the home, raises the findings, loads every audited
// profile into a real engine and runs the hostile suite (unless
// StaticOnly), and returns the finished report. Its error is only for a
// home or profile that cannot be audited at all.
func Audit(ctx context.Context, opts Options) (*Report, error) {
	home, err := filepath.Abs(opts.Home)
	if err != nil {
		return nil, err
	}
	opts.Home = home
	profiles, findings, err := takeInventory(inventoryOptions{Home: home, Profiles: opts.Profiles, GlobalAllowlist: opts.GlobalAllowlist, Environ: opts.Environ})
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if opts.Build.Version == "" {
		opts.Build = version.Get("")
	}
	if opts.Version == "" {
		opts.Version = opts.Build.Short()
	}
	rep := &Report{
		Version: opts.Version, Build: opts.Build, ABI: abi.Version, GeneratedAt: now().UTC().Truncate(time.Second),
		Home: home, StaticOnly: opts.StaticOnly, GlobalAllowlist: globalNames(opts.GlobalAllowlist),
		Profiles: profiles, Findings: findings,
	}
	if !opts.StaticOnly {
		loaded, err := loadCheck(ctx, opts, rep.Profiles)
		if err != nil {
			return nil, err
		}
		rep.Findings = append(rep.Findings, loaded...)
		rep.Suite = runSuite(ctx, suiteTargets(rep.Profiles), opts)
	}
	scrub(rep, homeValues(home))
	rep.finish()
	return rep, nil
}

func loadCheck(ctx context.Context, opts Options, profiles []ProfileReport) ([]Finding, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	engine, err := runtime.NewEngine(ctx, runtime.Options{CacheDir: opts.CacheDir, Logger: log, MaxModuleSize: opts.MaxModuleSize, Audit: runtime.DiscardAudit{}})
	if err != nil {
		return nil, err
	}
	defer engine.Close(ctx)
	allow := opts.GlobalAllowlist
	if strings.TrimSpace(allow) == "" {
		allow = runtime.DefaultGlobalAllowlist
	}
	h, err := runtime.OpenHome(opts.Home, runtime.NewGlobals(opts.Environ, allow))
	if err != nil {
		return nil, err
	}
	return checkLoad(ctx, engine, h, profiles), nil
}

// homeValues returns every value (of at least 4 bytes) of every .env under
// home, longest first, for the last line of defence: scrub.
func homeValues(home string) []string {
	seen := map[string]bool{}
	_ = filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && path != home && (d.Name() == "logs" || d.Name() == "modules") {
			return filepath.SkipDir
		}
		if d.Name() != ".env" || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		vals, err := dotenv.Parse(path, b)
		if err != nil {
			return nil
		}
		for _, v := range vals {
			if len(v) >= 4 {
				seen[v] = true
			}
		}
		return nil
	})
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// scrub replaces every given value in every string of the report with
// "[REDACTED]". Nothing in the report is built from a value; this is the
// last line of defence against one slipping in through an error message.
func scrub(r *Report, values []string) {
	if len(values) == 0 {
		return
	}
	args := make([]string, 0, 2*len(values))
	for _, v := range values {
		args = append(args, v, "[REDACTED]")
	}
	scrubValue(reflect.ValueOf(r), strings.NewReplacer(args...))
}

func scrubValue(v reflect.Value, r *strings.Replacer) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			scrubValue(v.Elem(), r)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				scrubValue(v.Field(i), r)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			scrubValue(v.Index(i), r)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(r.Replace(v.String()))
		}
	}
}
