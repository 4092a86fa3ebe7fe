package inspect

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// SuiteOptions configure a run of the hostile suite.
type SuiteOptions struct {
	// Targets are the limit sets to attack under (see Targets); at least one.
	Targets []Target
	// Modules holds the hostile modules by file name (HostileFiles); nil
	// means the set embedded in this binary (HostileModules).
	Modules fs.FS
	// CacheDir is the compilation cache ("" for none).
	CacheDir string
	// Environ is the host's environment (os.Environ form). The suite reads
	// only names from it, to ask a guest for a variable the host has and
	// check that the answer is "not found".
	Environ []string
	// Progress, if set, is told as each row finishes.
	Progress func(row RowReport)

	// observe, if set, receives each row's raw observation (for tests).
	observe func(id string, o Observation)
}

// Target is one set of limits the suite attacks under, and the audited
// profiles that have those limits.
type Target struct {
	ID       string
	Profiles []string
	Limits   runtime.Limits
}

// Targets groups profiles by their limits (the limits a module of the
// profile gets when it sets none of its own): the suite runs its
// limit-dependent rows once per group. With no profile, one target with the
// default limits.
func Targets(profiles []ProfileReport) []Target {
	var out []Target
	for _, p := range profiles {
		found := false
		for i := range out {
			if limitsReport(out[i].Limits) == p.Limits {
				out[i].Profiles = append(out[i].Profiles, p.Name)
				found = true
				break
			}
		}
		if !found {
			out = append(out, Target{ID: fmt.Sprintf("t%d", len(out)+1), Profiles: []string{p.Name}, Limits: p.Limits.Limits()})
		}
	}
	if len(out) == 0 {
		out = append(out, Target{ID: "t1", Profiles: []string{}, Limits: runtime.DefaultLimits()})
	}
	return out
}

// Observation is what the suite saw of one attack. A row's verdict is a
// pure function of its target's limits and its observation, so that a test
// can feed a row the observation of a sandbox that failed and see it fail.
type Observation struct {
	// Setup is set when the attack could not be prepared or run.
	Setup string
	// Kind is "" when the call succeeded, else a runtime.ErrorKind
	// ("timeout", ...), "tool_error", "refused" (a module refused at load)
	// or "error".
	Kind string
	// Error is the call's error text (as the host redacted it).
	Error string
	// Output is the call's output (as the host redacted it), clipped.
	Output string
	// Codes are host function results (or WASI errnos) the guest reported.
	Codes map[string]int64
	// Facts are named things the suite checked on the host side.
	Facts map[string]string
	// Leaks names the channels where a synthetic secret value appeared.
	Leaks []string
	// Took is the attack's wall time (for interrupts: from the cancel).
	Took time.Duration
	// Neighbour is the error of the benign profile's call after the
	// attack ("" when it answered correctly).
	Neighbour string
	// Recovery is the error of the attacker's next ordinary call ("" when
	// it succeeded, or when the row does not check it).
	Recovery string
}

func (o *Observation) fact(k, v string) {
	if o.Facts == nil {
		o.Facts = map[string]string{}
	}
	o.Facts[k] = v
}

// Summary renders an observation for the report's "observed" column.
func (o Observation) Summary() string {
	var parts []string
	switch {
	case o.Setup != "":
		parts = append(parts, "could not run: "+clipText(o.Setup, 300))
	case o.Kind != "":
		parts = append(parts, o.Kind+": "+clipText(o.Error, 200))
	case len(o.Codes) == 0 && o.Output != "":
		parts = append(parts, "ok: "+clipText(o.Output, 160))
	default:
		parts = append(parts, "ok")
	}
	if len(o.Codes) > 0 {
		parts = append(parts, "codes "+joinSorted(o.Codes))
	}
	if len(o.Facts) > 0 {
		parts = append(parts, joinSorted(o.Facts))
	}
	if len(o.Leaks) > 0 {
		parts = append(parts, "LEAKED through "+strings.Join(o.Leaks, ", "))
	}
	if o.Neighbour != "" {
		parts = append(parts, "neighbour failed: "+clipText(o.Neighbour, 200))
	}
	if o.Recovery != "" {
		parts = append(parts, "attacker did not recover: "+clipText(o.Recovery, 200))
	}
	return strings.Join(parts, "; ")
}

func joinSorted[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%v", k, m[k])
	}
	return b.String()
}

func clipText(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// logWatcher is the suite engine's log destination: it looks for synthetic
// values in every record, counts records holding registered texts and lets
// a row wait for a guest's progress without sleeping.
type logWatcher struct {
	mu       sync.Mutex
	values   []string
	leaks    int
	counters map[string]int
	waiters  []logWaiter
}

type logWaiter struct {
	text string
	ch   chan struct{}
}

// Write implements io.Writer; the slog handler writes one record per call.
func (w *logWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, v := range w.values {
		if bytes.Contains(p, []byte(v)) {
			w.leaks++
			break
		}
	}
	for k := range w.counters {
		if bytes.Contains(p, []byte(k)) {
			w.counters[k]++
		}
	}
	kept := w.waiters[:0]
	for _, wt := range w.waiters {
		if bytes.Contains(p, []byte(wt.text)) {
			close(wt.ch)
		} else {
			kept = append(kept, wt)
		}
	}
	w.waiters = kept
	return len(p), nil
}

// watch starts counting the records that contain each text.
func (w *logWatcher) watch(texts ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range texts {
		if _, ok := w.counters[t]; !ok {
			w.counters[t] = 0
		}
	}
}

func (w *logWatcher) count(text string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counters[text]
}

func (w *logWatcher) leakCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.leaks
}

// seen returns a channel closed once a record containing text is written.
func (w *logWatcher) seen(text string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	w.waiters = append(w.waiters, logWaiter{text, ch})
	return ch
}

// auditSink is the suite engine's audit sink: it counts records by key
// (bounded: a flood asks one name many times) and looks for synthetic
// values in every field a guest can influence.
type auditSink struct {
	mu     sync.Mutex
	values []string
	leaks  int
	counts map[auditKey]int
}

type auditKey struct {
	kind, profile, module, name string
	outcome                     runtime.Outcome
}

// Audit implements runtime.AuditSink.
func (a *auditSink) Audit(r runtime.AuditRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, v := range a.values {
		if strings.Contains(r.Name, v) || strings.Contains(r.Host, v) || strings.Contains(r.Reason, v) {
			a.leaks++
			break
		}
	}
	a.counts[auditKey{r.Kind, r.Profile, r.Module, r.Name, r.Outcome}]++
}

func (a *auditSink) leakCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.leaks
}

// count returns how many records matched; empty fields match anything.
func (a *auditSink) count(k auditKey) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for key, c := range a.counts {
		if (k.kind == "*" || key.kind == k.kind) && key.profile == k.profile && (k.module == "" || key.module == k.module) &&
			(k.name == "" || key.name == k.name) && (k.outcome == "" || key.outcome == k.outcome) {
			n += c
		}
	}
	return n
}

// outcomes returns the outcomes recorded for a secret read, sorted.
func (a *auditSink) outcomes(profile, module, name string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for key := range a.counts {
		if key.kind == "" && key.profile == profile && key.module == module && key.name == name {
			out = append(out, string(key.outcome))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

// neighbourLoop calls the benign profile in a loop while the suite runs and
// records each call's latency and correctness.
type neighbourLoop struct {
	stop, done chan struct{}
	start      time.Time
	mu         sync.Mutex
	end        time.Time
	lat        []time.Duration
	fails      int
	errs       []string
}

// neighbourPace spaces the benign calls so that the loop measures latency
// under attack without taking a core of its own. A call's latency is
// measured from the tick that scheduled it, so time spent waiting for a
// thread (while looping guests hold them) counts.
const neighbourPace = 2 * time.Millisecond

// Profile names in the suite's home.
const (
	neighbourProfile = "neighbour"
	interruptProfile = "interrupt"
	rangesProfile    = "ranges"
	hostileModule    = "hostile"
)

// suite is one run: a temporary home with synthetic secrets, a real engine
// and the benign neighbour.
type suite struct {
	opts     SuiteOptions
	dir      string
	engine   *runtime.Engine
	home     *runtime.Home
	log      *logWatcher
	audit    *auditSink
	secrets  map[string]map[string]string // profile → name → synthetic value
	values   []string
	listener net.Listener

	mu      sync.Mutex
	tenants map[string]*runtime.Tenant
	errs    map[string]error

	// outLeaks counts synthetic values seen in call outputs and errors.
	outLeaks int
	// missing lists the hostile modules absent from SuiteOptions.Modules.
	missing []string
	nbr     *neighbourLoop
}

// RunSuite runs the hostile suite: our own hostile modules, in profiles
// written to a temporary home with synthetic secrets (generated for this
// run), under each target's limits, against a real engine; a benign
// profile is called in a loop throughout. It never reads an audited
// profile's secrets. The suite's own failures are reported in
// SuiteReport.Error or as failed rows; RunSuite itself does not fail.
func RunSuite(ctx context.Context, opts SuiteOptions) *SuiteReport {
	start := time.Now()
	rep := &SuiteReport{}
	if len(opts.Targets) == 0 {
		opts.Targets = Targets(nil)
	}
	for _, t := range opts.Targets {
		rep.Targets = append(rep.Targets, TargetReport{ID: t.ID, Profiles: append([]string{}, t.Profiles...), Limits: limitsReport(t.Limits)})
	}
	if opts.Modules == nil {
		opts.Modules = HostileModules()
	}
	s, err := newSuite(ctx, opts)
	if err != nil {
		rep.Error = err.Error()
		rep.DurationMS = time.Since(start).Milliseconds()
		return rep
	}
	defer s.close()
	rep.Rows = s.run(ctx)
	rep.Neighbour = s.nbr.report()
	rep.DurationMS = time.Since(start).Milliseconds()
	return rep
}

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

func newSuite(ctx context.Context, opts SuiteOptions) (_ *suite, err error) {
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
	for _, name := range HostileFiles {
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
		for _, w := range []string{"spin", "grow", "stack"} {
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
		CacheDir:       opts.CacheDir,
		Logger:         slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Audit:          s.audit,
		CompileWorkers: goruntime.NumCPU(),
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
		names = append(names, t.ID+"-attacker", t.ID+"-twin", t.ID+"-spin", t.ID+"-grow", t.ID+"-stack")
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
			err = fmt.Errorf("%d of %d hostile modules are missing from this binary; build it with 'make hostile' (missing: %s): %w", len(s.missing), len(HostileFiles), strings.Join(s.missing, ", "), err)
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

// leaks returns the channel name when text holds a synthetic value.
func (s *suite) leaks(channel, text string) []string {
	for _, v := range s.values {
		if strings.Contains(text, v) {
			s.mu.Lock()
			s.outLeaks++
			s.mu.Unlock()
			return []string{channel}
		}
	}
	return nil
}

// observe turns a call's result into an observation.
func (s *suite) observe(out []byte, err error, took time.Duration) Observation {
	o := Observation{Took: took}
	if err != nil {
		o.Error = err.Error()
		var ce *runtime.CallError
		var te *runtime.ToolError
		switch {
		case errors.As(err, &ce):
			o.Kind = string(ce.Kind)
		case errors.As(err, &te):
			o.Kind = "tool_error"
		default:
			o.Kind = "error"
		}
	}
	o.Output = clipText(string(out), 4096)
	o.Leaks = append(s.leaks("output", string(out)), s.leaks("error", o.Error)...)
	return o
}

// call calls a tool of a suite profile and observes the result.
func (s *suite) call(ctx context.Context, profile, tool string, input any) Observation {
	t, err := s.tenant(ctx, profile)
	if err != nil {
		return Observation{Setup: err.Error()}
	}
	in, _ := json.Marshal(input)
	start := time.Now()
	out, err := t.CallTool(ctx, tool, in)
	return s.observe(out, err, time.Since(start))
}

// decode decodes a successful call's output into v; false (with Setup
// set) when the output is not what the tool returns.
func decode(o *Observation, v any) bool {
	if o.Kind != "" || o.Setup != "" {
		return false
	}
	if err := json.Unmarshal([]byte(o.Output), v); err != nil {
		o.Setup = fmt.Sprintf("unexpected output %q: %v", clipText(o.Output, 100), err)
		return false
	}
	return true
}

// recovery checks that the attacker's profile serves an ordinary call
// after an attack (the failed instance was discarded).
func (s *suite) recovery(ctx context.Context, profile string) string {
	o := s.call(ctx, profile, "state", map[string]string{})
	switch {
	case o.Setup != "":
		return o.Setup
	case o.Kind != "":
		return o.Kind + ": " + o.Error
	}
	return ""
}

// neighbourCall makes one benign call and checks its answer.
func (s *suite) neighbourCall(ctx context.Context) error {
	t, err := s.tenant(ctx, neighbourProfile)
	if err != nil {
		return err
	}
	out, err := t.CallTool(ctx, "whoami", nil)
	if err != nil {
		return err
	}
	var id struct {
		Profile   string `json:"profile"`
		KeySHA256 string `json:"key_sha256"`
	}
	if err := json.Unmarshal(out, &id); err != nil {
		return fmt.Errorf("whoami answered %q: %w", clipText(string(out), 100), err)
	}
	if id.Profile != neighbourProfile || id.KeySHA256 != fingerprint(s.secrets[neighbourProfile]["OPENAI_API_KEY"]) {
		return fmt.Errorf("whoami answered for profile %q with key fingerprint %.12s, want %q with its own key", id.Profile, id.KeySHA256, neighbourProfile)
	}
	return nil
}

func (s *suite) startNeighbour(ctx context.Context) {
	n := &neighbourLoop{stop: make(chan struct{}), done: make(chan struct{}), start: time.Now()}
	s.nbr = n
	go func() {
		defer close(n.done)
		defer func() {
			n.mu.Lock()
			n.end = time.Now()
			n.mu.Unlock()
		}()
		tick := time.NewTicker(neighbourPace)
		defer tick.Stop()
		for {
			var due time.Time
			select {
			case <-n.stop:
				return
			case <-ctx.Done():
				return
			case due = <-tick.C:
			}
			err := s.neighbourCall(ctx)
			d := time.Since(due)
			n.mu.Lock()
			n.lat = append(n.lat, d)
			if err != nil {
				n.fails++
				if len(n.errs) < 5 {
					n.errs = append(n.errs, clipText(err.Error(), 300))
				}
			}
			n.mu.Unlock()
		}
	}()
}

func (n *neighbourLoop) halt() {
	select {
	case <-n.stop:
	default:
		close(n.stop)
	}
	<-n.done
}

func (n *neighbourLoop) report() NeighbourReport {
	if n == nil {
		return NeighbourReport{Profile: neighbourProfile}
	}
	n.halt()
	n.mu.Lock()
	defer n.mu.Unlock()
	r := NeighbourReport{Profile: neighbourProfile, Calls: len(n.lat), Failures: n.fails, Errors: append([]string{}, n.errs...),
		PaceMS: float64(neighbourPace.Microseconds()) / 1000, DurationMS: n.end.Sub(n.start).Milliseconds()}
	if len(n.lat) > 0 {
		lat := append([]time.Duration(nil), n.lat...)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		r.P50MS = ms(lat[len(lat)/2])
		r.P99MS = ms(lat[min(len(lat)-1, len(lat)*99/100)])
		r.MaxMS = ms(lat[len(lat)-1])
	}
	return r
}

// pendingConnections accepts, without blocking, every connection waiting
// on the suite's listener and returns how many there were. A guest that
// reached the host's network would have completed its handshake before
// its call returned, so its connection is waiting here.
func (s *suite) pendingConnections() (int, error) {
	tl, ok := s.listener.(*net.TCPListener)
	if !ok {
		return 0, errors.New("not a TCP listener")
	}
	raw, err := tl.SyscallConn()
	if err != nil {
		return 0, err
	}
	n := 0
	var aerr error
	err = raw.Control(func(fd uintptr) { n, aerr = acceptPending(int(fd)) })
	if err == nil {
		err = aerr
	}
	return n, err
}

// run runs every row: the rows bounded by a target's timeout concurrently
// with the others, then the rows that judge the whole run.
func (s *suite) run(ctx context.Context) []RowReport {
	s.startNeighbour(ctx)
	type slot struct {
		spec rowSpec
		t    *Target
	}
	var slots []slot
	for _, spec := range rowCatalogue {
		switch {
		case spec.perTarget:
			for i := range s.opts.Targets {
				slots = append(slots, slot{spec, &s.opts.Targets[i]})
			}
		default:
			slots = append(slots, slot{spec, &s.opts.Targets[0]})
		}
	}
	rows := make([]RowReport, len(slots))
	var wg sync.WaitGroup
	for i, sl := range slots {
		if sl.spec.long {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rows[i] = s.runRow(ctx, sl.spec, sl.t)
			}()
		}
	}
	var meta []int
	for i, sl := range slots {
		switch {
		case sl.spec.long:
		case sl.spec.meta != nil:
			meta = append(meta, i)
		default:
			rows[i] = s.runRow(ctx, sl.spec, sl.t)
		}
	}
	wg.Wait()
	s.nbr.halt()
	for _, i := range meta {
		rows[i] = s.runMeta(slots[i].spec, rows)
	}
	return rows
}

func (s *suite) runRow(ctx context.Context, spec rowSpec, t *Target) RowReport {
	logLeaks, auditLeaks := s.log.leakCount(), s.audit.leakCount()
	start := time.Now()
	o := spec.run(ctx, s, t)
	took := time.Since(start)
	if !spec.long {
		// Leaks in the log or the audit trail while the row ran. (Rows
		// that run concurrently are covered by exfil.anywhere.)
		if n := s.log.leakCount() - logLeaks; n > 0 {
			o.Leaks = append(o.Leaks, fmt.Sprintf("log (%d records)", n))
		}
		if n := s.audit.leakCount() - auditLeaks; n > 0 {
			o.Leaks = append(o.Leaks, fmt.Sprintf("audit (%d records)", n))
		}
	}
	if err := s.neighbourCall(ctx); err != nil {
		o.Neighbour = err.Error()
	}
	// The suite's home is a new temporary directory each run: name it the
	// same way every time so that reports diff cleanly.
	for _, f := range []*string{&o.Setup, &o.Error, &o.Output} {
		*f = strings.ReplaceAll(*f, s.dir, "$SUITE_HOME")
	}
	if s.opts.observe != nil {
		s.opts.observe(spec.id, o)
	}
	row := spec.report(t, o, took)
	if s.opts.Progress != nil {
		s.opts.Progress(row)
	}
	return row
}

func (s *suite) runMeta(spec rowSpec, rows []RowReport) RowReport {
	start := time.Now()
	o := spec.meta(s, rows)
	if s.opts.observe != nil {
		s.opts.observe(spec.id, o)
	}
	row := spec.report(nil, o, time.Since(start))
	if s.opts.Progress != nil {
		s.opts.Progress(row)
	}
	return row
}

// report renders a row's verdict.
func (spec rowSpec) report(t *Target, o Observation, took time.Duration) RowReport {
	limits := runtime.DefaultLimits()
	row := RowReport{ID: spec.id, Tried: spec.tried, Expected: spec.expected, DurationMS: float64(took.Microseconds()) / 1000}
	if t != nil {
		limits = t.Limits
		if spec.perTarget {
			row.Target = t.ID
		}
	}
	row.Observed = o.Summary()
	row.Result = ResultPass
	if why := spec.Verdict(limits, o); why != "" {
		row.Result, row.Reason = ResultFail, why
	}
	return row
}

var _ io.Writer = (*logWatcher)(nil) // the engine's slog handler writes to it
