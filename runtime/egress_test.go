package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/internal/egress"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// Fake values, distinctive enough to grep for.
const (
	aliceKey = "sk-egress-alice-0123456789abcdef"
	bobKey   = "sk-egress-bob-fedcba9876543210ab"
	aliceGH  = "ghp_egress_alice_5a5a5a5a"
	// queryKey needs escaping in a query, in JSON and in a path.
	queryKey = `qk+/=&"alice"<9f3>`
)

const (
	codeEgress   = -8
	codeNetwork  = -9
	codeNotFound = -1
)

// testServer is a loopback HTTP server that counts the connections it
// accepts and the requests it serves.
type testServer struct {
	*httptest.Server
	conns, reqs atomic.Int64
}

func newTestServer(t *testing.T, h http.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.reqs.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// untouched closes the server (waiting for any connection in progress)
// and checks it never accepted one.
func (s *testServer) untouched(t *testing.T, what string) {
	t.Helper()
	s.Close()
	if c, r := s.conns.Load(), s.reqs.Load(); c != 0 || r != 0 {
		t.Errorf("%s: the server saw %d connections and %d requests, want none", what, c, r)
	}
}

func (s *testServer) port() string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

type egressEnv struct {
	ctx     context.Context
	log     *runtimetest.LogWatcher
	audit   *runtime.MemoryAudit
	tenants map[string]*runtime.Tenant
}

func newEgressEnv(t *testing.T, profiles map[string]runtimetest.Profile) *egressEnv {
	t.Helper()
	env := &egressEnv{ctx: context.Background(), log: &runtimetest.LogWatcher{}, audit: &runtime.MemoryAudit{}, tenants: map[string]*runtime.Tenant{}}
	home := runtimetest.Home(t, profiles)
	e := runtimetest.Engine(t, env.log, env.audit)
	for name := range profiles {
		ten, err := e.Open(env.ctx, runtimetest.OpenProfile(t, home, name))
		if err != nil {
			t.Fatal(err)
		}
		env.tenants[name] = ten
		t.Cleanup(func() { ten.Close(env.ctx) })
	}
	return env
}

func fetcherModule(t *testing.T) string {
	return runtimetest.GoModule(t, "testdata/egress/go/fetcher")
}

// fetcherConfig is a profile config running the fetcher with no grants and
// the given egress block (YAML, indented under "egress:"; "" for none).
func fetcherConfig(t *testing.T, egress string, extra ...string) string {
	cfg := "wasmgw:\n  modules:\n    fetcher:\n      path: " + fetcherModule(t) + "\n      grants: []\n"
	for _, e := range extra {
		cfg += "      " + e + "\n"
	}
	if egress != "" {
		cfg += "      egress:\n"
		for _, line := range strings.Split(strings.TrimSpace(egress), "\n") {
			cfg += "        " + strings.TrimSpace(line) + "\n"
		}
	}
	return cfg
}

type fetchResult struct {
	Status    int                 `json:"status"`
	Headers   map[string][]string `json:"headers"`
	Body      string              `json:"body"`
	Truncated bool                `json:"truncated"`
	Code      int32               `json:"code"`
	Error     string              `json:"error"`
	Egress    bool                `json:"egress"`
	Network   bool                `json:"network"`
}

func (env *egressEnv) fetch(t *testing.T, profile string, req map[string]any) fetchResult {
	t.Helper()
	out, err := env.fetchErr(env.ctx, profile, req)
	if err != nil {
		t.Fatalf("%s: fetch %v: %v", profile, req, err)
	}
	return out
}

func (env *egressEnv) fetchErr(ctx context.Context, profile string, req map[string]any) (fetchResult, error) {
	in, _ := json.Marshal(req)
	out, err := env.tenants[profile].CallTool(ctx, "fetch", in)
	if err != nil {
		return fetchResult{}, err
	}
	var r fetchResult
	if err := json.Unmarshal(out, &r); err != nil {
		return fetchResult{}, fmt.Errorf("output %s: %w", out, err)
	}
	return r, nil
}

// memoryHas reports which needles occur in the linear memory of the
// profile's idle fetcher instances (there must be at least one).
func (env *egressEnv) memoryHas(t *testing.T, profile string, needles ...string) []string {
	t.Helper()
	mems := env.tenants[profile].IdleMemoriesForTest("fetcher")
	if len(mems) == 0 {
		t.Fatalf("%s: no idle fetcher instance to scan", profile)
	}
	var found []string
	for _, n := range needles {
		for _, m := range mems {
			if bytes.Contains(m, []byte(n)) {
				found = append(found, n)
				break
			}
		}
	}
	return found
}

// noLeaks checks that no form of any value reached the log or the audit
// trail.
func (env *egressEnv) noLeaks(t *testing.T, values ...string) {
	t.Helper()
	logs := env.log.String()
	audit, _ := json.Marshal(env.audit.Records())
	for _, v := range values {
		for _, form := range valueForms(v) {
			if strings.Contains(logs, form) {
				t.Errorf("the log holds a value (%q)", form)
			}
			if bytes.Contains(audit, []byte(form)) {
				t.Errorf("the audit trail holds a value (%q)", form)
			}
		}
	}
}

// valueForms is a value as it may appear raw, in JSON, in a query, in a path.
func valueForms(v string) []string {
	j, _ := json.Marshal(v)
	return []string{v, string(j[1 : len(j)-1]), url.QueryEscape(v), url.PathEscape(v)}
}

// findAudit returns the egress records of profile matching reason and host.
func (env *egressEnv) findAudit(profile, reason, host string) []runtime.AuditRecord {
	var out []runtime.AuditRecord
	for _, r := range env.audit.Records() {
		if r.Kind == runtime.AuditKindEgress && r.Profile == profile && r.Reason == reason && r.Host == host {
			out = append(out, r)
		}
	}
	return out
}

// within waits for ch, failing the test (instead of hanging) if nothing
// comes within a minute: a guard, not a synchronisation.
func within(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Minute):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// auditHost is the destination an audit record names: the test server's
// URL has the same scheme://host:port form.
func auditHost(s *testServer) string { return s.URL }

// TestEgressSendsEachProfilesSecretWithoutExposingIt: a module granted
// nothing reads nothing, yet its request reaches the server with its own
// profile's value, for alice and bob with the same code, in parallel; the
// value never enters guest memory (a control proves the scan would see it).
func TestEgressSendsEachProfilesSecretWithoutExposingIt(t *testing.T) {
	owners := map[string]string{"Bearer " + aliceKey: "alice", "Bearer " + bobKey: "bob"}
	var bad atomic.Int64
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		who, ok := owners[r.Header.Get("Authorization")]
		if !ok {
			bad.Add(1)
			http.Error(w, "unknown key", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"caller":%q}`, who)
	})
	egress := `
allow: ["` + srv.URL + `"]
secrets: {OPENAI_API_KEY: ["127.0.0.1"]}
allow_private: [127.0.0.1]`
	env := newEgressEnv(t, map[string]runtimetest.Profile{
		"alice": {Env: "OPENAI_API_KEY=" + aliceKey + "\nGITHUB_TOKEN=" + aliceGH + "\n", Config: fetcherConfig(t, egress)},
		"bob":   {Env: "OPENAI_API_KEY=" + bobKey + "\n", Config: fetcherConfig(t, egress)},
		// carol's fetcher may read the key: the control for the memory scan.
		"carol": {Env: "OPENAI_API_KEY=" + aliceKey + "\n", Config: strings.Replace(fetcherConfig(t, ""), "grants: []", "grants: [OPENAI_API_KEY]", 1)},
	})
	req := map[string]any{"url": srv.URL + "/v1/models", "headers": map[string]string{"Authorization": "Bearer {{secret:OPENAI_API_KEY}}"}}
	for _, p := range []string{"alice", "bob"} {
		got := env.fetch(t, p, req)
		if got.Status != 200 || got.Body != `{"caller":"`+p+`"}` {
			t.Fatalf("%s: %+v", p, got)
		}
	}
	// Same code, both profiles, interleaved.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				p := []string{"alice", "bob"}[(w+i)%2]
				got, err := env.fetchErr(env.ctx, p, req)
				if err == nil && got.Body != `{"caller":"`+p+`"}` {
					err = fmt.Errorf("%s got %+v", p, got)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if bad.Load() != 0 {
		t.Errorf("the server saw %d requests with a wrong key", bad.Load())
	}
	// The module reads nothing: it was granted nothing.
	if _, err := env.tenants["alice"].CallTool(env.ctx, "read_secret", []byte(`{"name":"OPENAI_API_KEY"}`)); err == nil || !strings.Contains(err.Error(), "not granted") {
		t.Errorf("read_secret with no grants: %v", err)
	}
	// The value is nowhere in the guest's memory, in any form.
	for _, p := range []string{"alice", "bob"} {
		key := map[string]string{"alice": aliceKey, "bob": bobKey}[p]
		if found := env.memoryHas(t, p, valueForms(key)...); len(found) > 0 {
			t.Errorf("%s: guest memory holds the value: %q", p, found)
		}
		if found := env.memoryHas(t, p, "{{secret:OPENAI_API_KEY}}"); len(found) == 0 {
			t.Logf("%s: the placeholder itself is no longer in memory (collected)", p)
		}
	}
	// Control: a module that does read the value has it in memory, so the
	// scan above would have found it.
	if _, err := env.tenants["carol"].CallTool(env.ctx, "read_secret", []byte(`{"name":"OPENAI_API_KEY"}`)); err != nil {
		t.Fatal(err)
	}
	if found := env.memoryHas(t, "carol", aliceKey); len(found) == 0 {
		t.Fatal("control failed: the scan does not find a value the guest did read")
	}
	// A module that holds the value cannot carry it into the log or the
	// audit trail as a host or a placeholder name.
	out, err := env.tenants["carol"].CallTool(env.ctx, "exfil", []byte(`{"name":"OPENAI_API_KEY"}`))
	if err != nil || string(out) != "[-8,-8]" {
		t.Errorf("exfil: %s %v", out, err)
	}
	// Audited: names and destination, never the value; the fetcher read
	// nothing with secret_get except the refused attempt.
	granted := env.findAudit("alice", "", auditHost(srv))
	if len(granted) == 0 || granted[0].Name != "OPENAI_API_KEY" || granted[0].Outcome != runtime.OutcomeAllowed || granted[0].Module != "fetcher" {
		t.Errorf("alice's egress audit: %+v", granted)
	}
	env.noLeaks(t, aliceKey, bobKey, aliceGH)
}

// TestEgressScrubsEchoedSecrets: a server that echoes the secrets back (in
// the body, raw and JSON-escaped, in headers, and URL-escaped from the
// query) gives the guest redaction markers that name no secret, and its
// memory holds no form of any value.
func TestEgressScrubsEchoedSecrets(t *testing.T) {
	var good atomic.Int64
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth == "Bearer "+aliceKey && r.URL.Query().Get("k") == queryKey && r.Header.Get("X-Gh") == aliceGH {
			good.Add(1)
		}
		w.Header().Set("X-Echo", auth)
		w.Header().Add("X-Echo", "again "+r.Header.Get("X-Gh"))
		w.Header().Set("X-Echo-Query", r.URL.RawQuery)
		body, _ := json.Marshal(map[string]string{"auth": auth, "k": r.URL.Query().Get("k"), "raw_query": r.URL.RawQuery})
		fmt.Fprintf(w, "%s\nplain: %s %s\n", body, strings.TrimPrefix(auth, "Bearer "), r.URL.Query().Get("k"))
	})
	egress := `
allow: ["` + srv.URL + `"]
secrets: {OPENAI_API_KEY: ["127.0.0.1"], GITHUB_TOKEN: ["127.0.0.1"], QUERY_KEY: ["127.0.0.1"]}
body_placeholders: [QUERY_KEY]
allow_private: [127.0.0.1]`
	env := newEgressEnv(t, map[string]runtimetest.Profile{
		"alice": {Env: "OPENAI_API_KEY=" + aliceKey + "\nGITHUB_TOKEN=" + aliceGH + "\nQUERY_KEY='" + queryKey + "'\n", Config: fetcherConfig(t, egress)},
	})
	got := env.fetch(t, "alice", map[string]any{
		"url":     srv.URL + "/echo?k={{secret:QUERY_KEY}}",
		"headers": map[string]string{"Authorization": "Bearer {{secret:OPENAI_API_KEY}}", "X-Gh": "{{secret:GITHUB_TOKEN}}"},
	})
	if good.Load() != 1 {
		t.Fatalf("the server did not receive the right values (response %+v)", got)
	}
	for _, want := range []string{`"auth":"Bearer [REDACTED]"`, `"k":"[REDACTED]"`, `"raw_query":"k=[REDACTED]"`, "plain: [REDACTED] [REDACTED]"} {
		if !strings.Contains(got.Body, want) {
			t.Errorf("body lacks %s:\n%s", want, got.Body)
		}
	}
	if h := got.Headers["X-Echo"]; len(h) != 2 || h[0] != "Bearer [REDACTED]" || h[1] != "again [REDACTED]" {
		t.Errorf("X-Echo header: %q", h)
	}
	if h := got.Headers["X-Echo-Query"]; len(h) != 1 || h[0] != "k=[REDACTED]" {
		t.Errorf("X-Echo-Query header: %q", h)
	}
	var needles []string
	for _, v := range []string{aliceKey, aliceGH, queryKey} {
		needles = append(needles, valueForms(v)...)
	}
	if found := env.memoryHas(t, "alice", needles...); len(found) > 0 {
		t.Errorf("guest memory holds values: %q", found)
	}
	env.noLeaks(t, aliceKey, aliceGH, queryKey)
}

// TestEgressRefusedBeforeAnyConnection: every refusal happens before the
// destination sees a connection, is audited with names and host, and gives
// the guest ErrEgress with a message.
func TestEgressRefusedBeforeAnyConnection(t *testing.T) {
	allowed := newTestServer(t, nil)      // in the allow list, never to be reached
	landing := newTestServer(t, nil)      // allowed, the target of an off-origin redirect
	outside := newTestServer(t, nil)      // not in the allow list
	private := newTestServer(t, nil)      // allowed, but frank may not reach loopback
	var redirectedWithSecret atomic.Int64 // requests to the redirecting server
	redirSecret := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		redirectedWithSecret.Add(1)
		http.Redirect(w, r, landing.URL+"/landing", http.StatusFound)
	})
	redirOutside := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, outside.URL+"/elsewhere", http.StatusTemporaryRedirect)
	})
	eve := `
allow: ["` + allowed.URL + `", "` + landing.URL + `", "` + redirSecret.URL + `", "` + redirOutside.URL + `", "https://api.github.com", "http://insecure.example"]
secrets: {OPENAI_API_KEY: ["127.0.0.1", "insecure.example"], GITHUB_TOKEN: [api.github.com], MY_MCP_TOKEN: [api.github.com]}
allow_private: [127.0.0.1]`
	frank := `
allow: ["` + private.URL + `", "http://localhost:` + private.port() + `"]`
	env := newEgressEnv(t, map[string]runtimetest.Profile{
		"eve":   {Env: "OPENAI_API_KEY=" + aliceKey + "\nGITHUB_TOKEN=" + aliceGH + "\n", Config: fetcherConfig(t, eve)},
		"frank": {Env: "OPENAI_API_KEY=" + bobKey + "\n", Config: fetcherConfig(t, frank)},
		"gus":   {Env: "OPENAI_API_KEY=" + bobKey + "\n", Config: fetcherConfig(t, "")},
	})
	auth := map[string]string{"Authorization": "Bearer {{secret:OPENAI_API_KEY}}"}
	cases := []struct {
		name, profile string
		req           map[string]any
		code          int32
		reason, host  string
		secret, msg   string
	}{
		{"host outside the allow list", "eve", map[string]any{"url": outside.URL + "/x"},
			codeEgress, egress.ReasonHostNotAllowed, outside.URL, "", "is not in this module's egress allow list"},
		{"host outside the allow list, with a secret", "eve", map[string]any{"url": outside.URL + "/x", "headers": auth},
			codeEgress, egress.ReasonHostNotAllowed, outside.URL, "OPENAI_API_KEY", "is not in this module's egress allow list"},
		{"secret bound to another host", "eve", map[string]any{"url": allowed.URL, "headers": map[string]string{"Authorization": "token {{secret:GITHUB_TOKEN}}"}},
			codeEgress, egress.ReasonSecretHost, allowed.URL, "GITHUB_TOKEN", `secret "GITHUB_TOKEN" may not be sent to 127.0.0.1 (egress.secrets.GITHUB_TOKEN: api.github.com)`},
		{"secret bound nowhere", "eve", map[string]any{"url": allowed.URL, "headers": map[string]string{"X-Key": "{{secret:GITHUB_TOKENX}}"}},
			codeEgress, egress.ReasonSecretNotBound, allowed.URL, "GITHUB_TOKENX", "not in egress.secrets"},
		{"secret in the body without permission", "eve", map[string]any{"url": allowed.URL, "method": "POST", "body": `{"key":"{{secret:OPENAI_API_KEY}}"}`},
			codeEgress, egress.ReasonPlacement, allowed.URL, "OPENAI_API_KEY", "not in the body"},
		{"secret in the query without permission", "eve", map[string]any{"url": allowed.URL + "/?key={{secret:OPENAI_API_KEY}}"},
			codeEgress, egress.ReasonPlacement, allowed.URL, "OPENAI_API_KEY", "not in the query"},
		{"secret in the path", "eve", map[string]any{"url": allowed.URL + "/{{secret:OPENAI_API_KEY}}/x"},
			codeEgress, egress.ReasonPlacement, allowed.URL, "OPENAI_API_KEY", "never in the URL path"},
		{"secret over cleartext http", "eve", map[string]any{"url": "http://insecure.example/", "headers": auth},
			codeEgress, egress.ReasonInsecureScheme, "http://insecure.example:80", "OPENAI_API_KEY", "cleartext"},
		{"scheme pinned", "eve", map[string]any{"url": "http://api.github.com/"},
			codeEgress, egress.ReasonHostNotAllowed, "http://api.github.com:80", "", "not in this module's egress allow list"},
		{"port pinned", "eve", map[string]any{"url": "https://api.github.com:8443/"},
			codeEgress, egress.ReasonHostNotAllowed, "https://api.github.com:8443", "", "not in this module's egress allow list"},
		{"bound secret not set in the profile", "eve", map[string]any{"url": "https://api.github.com/", "headers": map[string]string{"X": "{{secret:MY_MCP_TOKEN}}"}},
			codeNotFound, egress.ReasonSecretNotFound, "https://api.github.com:443", "MY_MCP_TOKEN", `secret "MY_MCP_TOKEN" is not set in this profile`},
		{"redirect off the origin of a secret-bearing request", "eve", map[string]any{"url": redirSecret.URL + "/start", "headers": auth},
			codeEgress, egress.ReasonRedirectOffOrigin, landing.URL, "OPENAI_API_KEY", "follows redirects only within its origin"},
		{"redirect to a host outside the allow list", "eve", map[string]any{"url": redirOutside.URL + "/start"},
			codeEgress, egress.ReasonHostNotAllowed, outside.URL, "", "redirect to " + outside.URL},
		{"loopback address without allow_private", "frank", map[string]any{"url": private.URL + "/x"},
			codeEgress, egress.ReasonPrivateAddress, private.URL, "", "private, local or reserved address"},
		{"a name resolving to loopback without allow_private", "frank", map[string]any{"url": "http://localhost:" + private.port() + "/x"},
			codeEgress, egress.ReasonPrivateAddress, "http://localhost:" + private.port(), "", "resolved to 127.0.0.1"},
		{"a module with no egress policy", "gus", map[string]any{"url": allowed.URL, "headers": auth},
			codeEgress, egress.ReasonNoPolicy, allowed.URL, "OPENAI_API_KEY", `module "fetcher" has no egress policy`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := env.fetch(t, c.profile, c.req)
			if got.Code != c.code || got.Status != 0 {
				t.Fatalf("got %+v, want code %d", got, c.code)
			}
			if c.code == codeEgress && !got.Egress {
				t.Errorf("errors.Is(err, guest.ErrEgress) is false: %+v", got)
			}
			if !strings.Contains(got.Error, c.msg) {
				t.Errorf("message %q does not say %q", got.Error, c.msg)
			}
			recs := env.findAudit(c.profile, c.reason, c.host)
			if len(recs) == 0 {
				t.Fatalf("no audit record with reason %s and host %s; all: %+v", c.reason, c.host, env.audit.Records())
			}
			if r := recs[len(recs)-1]; r.Name != c.secret || r.Outcome != runtime.OutcomeRefused || r.Module != "fetcher" {
				t.Errorf("audit record %+v, want name %q and a refusal", r, c.secret)
			}
		})
	}
	for _, s := range []struct {
		s    *testServer
		what string
	}{{allowed, "allowed"}, {landing, "redirect landing"}, {outside, "outside"}, {private, "private"}} {
		s.s.untouched(t, s.what)
	}
	if n := redirectedWithSecret.Load(); n != 1 {
		t.Errorf("the redirecting server saw %d requests, want 1", n)
	}
	env.noLeaks(t, aliceKey, bobKey, aliceGH)
}

// TestEgressRedirects: a secret-bearing request follows a redirect within
// its origin (and the secret goes along); a request without secrets follows
// one to another allowed origin.
func TestEgressRedirects(t *testing.T) {
	other := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "other auth=%q", r.Header.Get("Authorization"))
	})
	var srv *testServer
	srv = newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/hop":
			http.Redirect(w, r, other.URL+"/landed", http.StatusSeeOther)
		case "/final":
			if r.Header.Get("Authorization") == "Bearer "+aliceKey {
				fmt.Fprint(w, "final with the key")
				return
			}
			fmt.Fprint(w, "final without the key")
		}
	})
	egress := `
allow: ["` + srv.URL + `", "` + other.URL + `"]
secrets: {OPENAI_API_KEY: ["127.0.0.1"]}
allow_private: [127.0.0.1]`
	env := newEgressEnv(t, map[string]runtimetest.Profile{
		"alice": {Env: "OPENAI_API_KEY=" + aliceKey + "\n", Config: fetcherConfig(t, egress)},
	})
	got := env.fetch(t, "alice", map[string]any{"url": srv.URL + "/start", "headers": map[string]string{"Authorization": "Bearer {{secret:OPENAI_API_KEY}}"}})
	if got.Status != 200 || got.Body != "final with the key" {
		t.Errorf("same-origin redirect: %+v", got)
	}
	got = env.fetch(t, "alice", map[string]any{"url": srv.URL + "/hop"})
	if got.Status != 200 || got.Body != `other auth=""` {
		t.Errorf("cross-origin redirect without secrets: %+v", got)
	}
	env.noLeaks(t, aliceKey)
}

// TestEgressTimeoutAndInterrupt: timeout_ms bounds a request (a network
// error for the guest, the call goes on); cancelling the call's context
// stops a request in flight and the call.
func TestEgressTimeoutAndInterrupt(t *testing.T) {
	arrived := make(chan struct{}, 4)
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done() // hang until the client gives up
	})
	egress := `
allow: ["` + srv.URL + `"]
allow_private: [127.0.0.1]`
	env := newEgressEnv(t, map[string]runtimetest.Profile{"alice": {Config: fetcherConfig(t, egress)}})
	got := env.fetch(t, "alice", map[string]any{"url": srv.URL, "timeout_ms": 100})
	within(t, arrived, "the request to reach the server")
	if got.Code != codeNetwork || !got.Network || !strings.Contains(got.Error, "ran past its timeout_ms") {
		t.Errorf("timeout: %+v", got)
	}
	ctx, cancel := context.WithCancel(env.ctx)
	done := make(chan error, 1)
	go func() {
		_, err := env.fetchErr(ctx, "alice", map[string]any{"url": srv.URL})
		done <- err
	}()
	within(t, arrived, "the request to reach the server")
	cancel()
	select {
	case err := <-done:
		wantKind(t, err, runtime.KindInterrupted)
	case <-time.After(time.Minute):
		t.Fatal("the interrupted call did not return")
	}
}

// TestEgressResponseIsCapped: a body over max_response is cut there.
func TestEgressResponseIsCapped(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("y"), 10<<10))
	})
	egress := `
allow: ["` + srv.URL + `"]
allow_private: [127.0.0.1]
max_response: 1KiB`
	env := newEgressEnv(t, map[string]runtimetest.Profile{"alice": {Config: fetcherConfig(t, egress)}})
	got := env.fetch(t, "alice", map[string]any{"url": srv.URL})
	if got.Status != 200 || !got.Truncated || len(got.Body) != 1024 {
		t.Errorf("status %d truncated %v body %d bytes", got.Status, got.Truncated, len(got.Body))
	}
}

// TestEgressRawABI: bad ranges fault; a bad envelope is invalid and
// explained through result_read; a response larger than the buffer is kept
// for result_read and released once read.
func TestEgressRawABI(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") })
	egress := `
allow: ["` + srv.URL + `"]
allow_private: [127.0.0.1]`
	env := newEgressEnv(t, map[string]runtimetest.Profile{"alice": {Config: fetcherConfig(t, egress)}})
	out, err := env.tenants["alice"].CallTool(env.ctx, "raw", []byte(`{"url":"`+srv.URL+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"req_past_end": -4, "req_wraparound": -4, "buf_wraparound": -4, "garbage": -3, "unknown_field": -3, "small_buffer_again": -1}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
	if s, _ := got["garbage_explained"].(string); !strings.Contains(s, `"code":"invalid"`) || !strings.Contains(s, "request envelope") {
		t.Errorf("garbage_explained = %q", s)
	}
	if n, _ := got["small_buffer"].(float64); n <= 4 || got["small_buffer_read"] != n {
		t.Errorf("small buffer: %v, then read %v", got["small_buffer"], got["small_buffer_read"])
	}
}

// TestEgressCountsAgainstTheBudget: a fetch is a host call: with a budget
// of one, the fetch spends it and the output is refused.
func TestEgressCountsAgainstTheBudget(t *testing.T) {
	srv := newTestServer(t, nil)
	egress := `
allow: ["` + srv.URL + `"]
allow_private: [127.0.0.1]`
	env := newEgressEnv(t, map[string]runtimetest.Profile{"alice": {Config: fetcherConfig(t, egress, "limits: {max_host_calls: 1}")}})
	_, err := env.fetchErr(env.ctx, "alice", map[string]any{"url": srv.URL})
	wantKind(t, err, runtime.KindBudget)
	if n := srv.reqs.Load(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}
