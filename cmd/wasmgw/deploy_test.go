package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/relaytest"
	"github.com/wasmgw/wasmgw/relay/shard"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// The packaging in docs/deploy is tested here, against the real CLI: every
// flag it passes exists, the Kubernetes manifests hang together, the
// systemd unit verifies, and the container's command runs.

const (
	imageHome  = "/var/lib/wasmgw"
	imageCache = "/var/cache/wasmgw"
)

func deployDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(runtimetest.RepoRoot(t), "docs", "deploy")
}

func readDeploy(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dockerfile is what the test needs of the Dockerfile.
type dockerfile struct {
	stages     int
	user       string
	entrypoint []string
	cmd        []string
	env        map[string]string
	volumes    []string
	text       string
}

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	text := string(readDeploy(t, "Dockerfile"))
	d := dockerfile{env: map[string]string{}, text: text}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		instr, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		jsonArray := func() []string {
			var v []string
			if err := json.Unmarshal([]byte(rest), &v); err != nil {
				t.Fatalf("Dockerfile: %s is not the JSON (exec) form: %v", instr, err)
			}
			return v
		}
		switch instr {
		case "FROM":
			d.stages++
		case "USER":
			d.user = rest
		case "ENTRYPOINT":
			d.entrypoint = jsonArray()
		case "CMD":
			d.cmd = jsonArray()
		case "VOLUME":
			d.volumes = jsonArray()
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				d.env[k] = v
			}
		}
	}
	return d
}

// k8sDocs decodes every document of a manifest file.
func k8sDocs(t *testing.T, rel string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readDeploy(t, rel)))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// at walks a decoded YAML value by keys and indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func strs(v any) []string {
	var out []string
	for _, x := range asList(v) {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

// statefulSet returns the StatefulSet of statefulset.yaml and its first
// container.
func statefulSet(t *testing.T) (map[string]any, map[string]any) {
	t.Helper()
	for _, d := range k8sDocs(t, "k8s/statefulset.yaml") {
		if d["kind"] == "StatefulSet" {
			c, _ := at(d, "spec", "template", "spec", "containers", 0).(map[string]any)
			if c == nil {
				t.Fatal("StatefulSet has no container")
			}
			return d, c
		}
	}
	t.Fatal("statefulset.yaml has no StatefulSet")
	return nil, nil
}

var flagRE = regexp.MustCompile(`^--([a-z][a-z0-9-]*)(=(.*))?$`)

// flagsOf returns the long flags of an argument list, with their values
// ("" for a flag whose value is the next argument, then filled in).
func flagsOf(args []string) map[string]string {
	out := map[string]string{}
	for i, a := range args {
		m := flagRE.FindStringSubmatch(a)
		if m == nil {
			continue
		}
		v := m[3]
		if m[2] == "" && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			v = args[i+1]
		}
		out[m[1]] = v
	}
	return out
}

// TestDeployFlagsExist: every flag the Dockerfile, compose file, systemd
// unit and StatefulSet pass to "wasmgw gateway" is one the real command
// has, and every value of --shard parses.
func TestDeployFlagsExist(t *testing.T) {
	t.Parallel()
	help := run(t, "", nil, "gateway", "--help")
	if help.code != 0 {
		t.Fatalf("gateway --help: exit %d", help.code)
	}
	has := func(flag string) bool { return strings.Contains(help.stdout, "--"+flag+" ") }
	uses := map[string][]string{}
	d := parseDockerfile(t)
	uses["Dockerfile CMD"] = d.cmd
	var compose map[string]any
	if err := yaml.Unmarshal(readDeploy(t, "compose.yaml"), &compose); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	uses["compose.yaml command"] = strs(at(compose, "services", "wasmgw", "command"))
	for _, line := range strings.Split(string(readDeploy(t, "wasmgw.service")), "\n") {
		if exec, ok := strings.CutPrefix(line, "ExecStart="); ok {
			uses["wasmgw.service ExecStart"] = strings.Fields(exec)[1:]
		}
	}
	_, c := statefulSet(t)
	uses["StatefulSet args"] = strs(c["args"])
	checked := 0
	for where, args := range uses {
		if len(args) == 0 || args[0] != "gateway" {
			t.Errorf("%s: %q does not run \"wasmgw gateway\"", where, args)
			continue
		}
		for flag, value := range flagsOf(args) {
			if !has(flag) {
				t.Errorf("%s: --%s is not a flag of \"wasmgw gateway\"", where, flag)
			}
			if flag == "shard" {
				if _, err := shard.Parse(value, "wasmgw-0"); err != nil {
					t.Errorf("%s: %v", where, err)
				}
			}
			checked++
		}
	}
	t.Logf("%d flag uses checked against \"wasmgw gateway --help\"", checked)
}

// TestDeployStatefulSet: the manifests parse and hang together: the shard
// count is the replica count, the instance id is the pod name, the probes
// and the scrape annotations point at the metrics port, each profile is a
// read-only projected volume with a .env from a Secret, and the pod runs
// non-root on a read-only root filesystem.
func TestDeployStatefulSet(t *testing.T) {
	t.Parallel()
	sts, c := statefulSet(t)
	replicas, _ := at(sts, "spec", "replicas").(int)
	flags := flagsOf(strs(c["args"]))
	sh, err := shard.Parse(flags["shard"], "wasmgw-0")
	if err != nil || sh.Count != replicas {
		t.Errorf("--shard=%s: count %d (%v), want spec.replicas %d", flags["shard"], sh.Count, err, replicas)
	}
	if flags["home"] != imageHome {
		t.Errorf("--home=%s, want %s", flags["home"], imageHome)
	}
	env := map[string]any{}
	for _, e := range asList(c["env"]) {
		env[at(e, "name").(string)] = e
	}
	for _, name := range []string{relay.EnvInstanceID, "HOSTNAME"} {
		if at(env[name], "valueFrom", "fieldRef", "fieldPath") != "metadata.name" {
			t.Errorf("env %s is not the pod name (fieldRef metadata.name): %v", name, env[name])
		}
	}
	for name := range env {
		if strings.HasPrefix(name, "GATEWAY_RELAY_") && !strings.Contains(relayEnvNames, name+" ") {
			t.Errorf("env %s is not a relay setting", name)
		}
	}
	// The idle instances the pool keeps must leave the container room for
	// the live ones, the profiles and the runtime: at most half its limit.
	limit, _ := at(c, "resources", "limits", "memory").(string)
	limitBytes, lerr := runtime.ParseSize(strings.TrimSuffix(limit, "i") + "iB")
	pool, perr := runtime.ParseSize(flags["pool-memory"])
	if lerr != nil || perr != nil || pool == 0 || pool > limitBytes/2 {
		t.Errorf("--pool-memory=%s with limits.memory %s: want a size at most half the limit (%v, %v)", flags["pool-memory"], limit, perr, lerr)
	}
	port := at(c, "ports", 0, "containerPort")
	portName := at(c, "ports", 0, "name")
	if !strings.HasSuffix(flags["metrics-addr"], ":"+itoa(port)) {
		t.Errorf("--metrics-addr=%s does not listen on the container port %v", flags["metrics-addr"], port)
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		if at(c, probe, "httpGet", "path") != path || at(c, probe, "httpGet", "port") != portName {
			t.Errorf("%s: %v, want %s on port %v", probe, c[probe], path, portName)
		}
	}
	ann := at(sts, "spec", "template", "metadata", "annotations")
	if at(ann, "prometheus.io/scrape") != "true" || at(ann, "prometheus.io/port") != itoa(port) || at(ann, "prometheus.io/path") != "/metrics" {
		t.Errorf("scrape annotations %v", ann)
	}
	podSec := at(sts, "spec", "template", "spec", "securityContext")
	if at(podSec, "runAsNonRoot") != true || at(c, "securityContext", "readOnlyRootFilesystem") != true ||
		at(c, "securityContext", "allowPrivilegeEscalation") != false {
		t.Errorf("security contexts: pod %v container %v", podSec, c["securityContext"])
	}
	volumes := map[string]any{}
	for _, v := range asList(at(sts, "spec", "template", "spec", "volumes")) {
		volumes[at(v, "name").(string)] = v
	}
	for _, v := range asList(at(sts, "spec", "volumeClaimTemplates")) {
		volumes[at(v, "metadata", "name").(string)] = v
	}
	secrets := map[string]bool{}
	for _, d := range k8sDocs(t, "k8s/profiles.yaml") {
		if d["kind"] == "Secret" {
			secrets[at(d, "metadata", "name").(string)] = true
		}
	}
	profiles := 0
	for _, m := range asList(c["volumeMounts"]) {
		name, path := at(m, "name").(string), at(m, "mountPath").(string)
		v, ok := volumes[name]
		if !ok {
			t.Errorf("volumeMount %s: no such volume", name)
			continue
		}
		profile, isProfile := strings.CutPrefix(path, imageHome+"/profiles/")
		if !isProfile {
			continue
		}
		profiles++
		if at(m, "readOnly") != true {
			t.Errorf("profile %s is mounted writable", profile)
		}
		envFromSecret := false
		for _, src := range asList(at(v, "projected", "sources")) {
			if sec := at(src, "secret"); sec != nil && at(sec, "items", 0, "path") == ".env" {
				envFromSecret = secrets[at(sec, "name").(string)]
			}
		}
		if !envFromSecret {
			t.Errorf("profile %s: no .env from a Secret of profiles.yaml in volume %s", profile, name)
		}
	}
	if profiles == 0 {
		t.Error("no profile is mounted")
	}
}

const relayEnvNames = relay.EnvURL + " " + relay.EnvID + " " + relay.EnvSecret + " " + relay.EnvDeliveryKey + " " +
	relay.EnvPlatforms + " " + relay.EnvBotIDs + " " + relay.EnvPlatform + " " + relay.EnvBotID + " " + relay.EnvEndpoint + " " +
	relay.EnvRouteKeys + " " + relay.EnvInstanceID + " " + relay.EnvWakeURL + " " + relay.EnvAccessToken + " " + relay.EnvAccessTokenFile + " "

func itoa(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

// TestDeploySystemdUnit: the unit carries the hardening, leaves
// MemoryDenyWriteExecute off (wazero makes compiled code executable), and
// passes "systemd-analyze verify" without a warning (the ExecStart binary
// pointed at a real build).
func TestDeploySystemdUnit(t *testing.T) {
	t.Parallel()
	unit := string(readDeploy(t, "wasmgw.service"))
	keys := map[string]string{}
	for _, line := range strings.Split(unit, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = v
		}
	}
	for k, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ReadWritePaths": imageHome + " " + imageCache,
		"PrivateTmp": "yes", "ProtectHome": "yes", "CapabilityBoundingSet": "", "LockPersonality": "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "ExecReload": "/bin/kill -HUP $MAINPID", "KillSignal": "SIGTERM",
	} {
		if got, ok := keys[k]; !ok || got != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if _, ok := keys["MemoryDenyWriteExecute"]; ok {
		t.Error("MemoryDenyWriteExecute is set: wazero could not make compiled modules executable")
	}
	if _, ok := keys["SystemCallFilter"]; !ok {
		t.Error("no SystemCallFilter")
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "wasmgw.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/wasmgw", wasmgwBin(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestDeployContainerCommand: the Dockerfile builds in stages, runs as a
// non-root user with the home and cache as volumes, and its exact
// ENTRYPOINT and CMD, with the image's environment and its volumes mapped
// to temporary directories, serve a home against a connector and drain on
// SIGTERM, logging JSON and auditing into the home volume.
func TestDeployContainerCommand(t *testing.T) {
	t.Parallel()
	d := parseDockerfile(t)
	if d.stages < 2 || !strings.Contains(d.text, "CGO_ENABLED=0") {
		t.Errorf("Dockerfile: %d stages, want a multi-stage build of a static (CGO_ENABLED=0) binary", d.stages)
	}
	if d.user == "" || strings.HasPrefix(d.user, "0") || strings.HasPrefix(d.user, "root") {
		t.Errorf("Dockerfile USER %q: want a non-root user", d.user)
	}
	if strings.Join(d.volumes, " ") != imageHome+" "+imageCache || d.env["WASMGW_HOME"] != imageHome {
		t.Errorf("Dockerfile VOLUME %v ENV %v", d.volumes, d.env)
	}
	if len(d.entrypoint) != 1 || d.entrypoint[0] != "/usr/local/bin/wasmgw" {
		t.Fatalf("ENTRYPOINT %q", d.entrypoint)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	home := runtimetest.SampleHome(t)
	// The cache volume is the tests' shared compilation cache, so that
	// the modules are not compiled again.
	cache := runtimetest.CacheDir()
	remap := func(s string) string {
		s = strings.ReplaceAll(s, imageHome, home)
		return strings.ReplaceAll(s, imageCache, cache)
	}
	var args []string
	for _, a := range d.cmd {
		args = append(args, remap(a))
	}
	conn := relaytest.New(t, relaytest.Options{RequireAuth: true, Secrets: []string{gatewaySecret}})
	env := []string{relay.EnvURL + "=" + conn.URL(), relay.EnvID + "=gw-container", relay.EnvSecret + "=" + gatewaySecret}
	for k, v := range d.env {
		env = append(env, k+"="+remap(v))
	}
	p := start(t, env, args...)
	cn, err := conn.WaitConnected(ctx)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
	}
	if h := cn.Hellos()[0]; h.Version == "" {
		t.Errorf("hello %+v carries no version", h)
	}
	if err := conn.Push(ctx, inboundFor("bob", "b1", "ping")); err != nil {
		t.Fatal(err)
	}
	if f, err := conn.Outbound(ctx); err != nil || f.Action.Content != "echo: ping" {
		t.Fatalf("reply %+v, %v\nstderr:\n%s", f.Action, err, p.stderr)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, ctx); code != 0 {
		t.Fatalf("exit %d after SIGTERM\nstderr:\n%s", code, p.stderr)
	}
	// --log-format json: every log line is a JSON object.
	for _, line := range strings.Split(strings.TrimSpace(p.stderr.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
	if _, err := os.Stat(filepath.Join(home, "logs", "audit.jsonl")); err != nil {
		t.Errorf("no audit trail in the home volume: %v", err)
	}
	noLeak(t, home, p.stdout.String()+p.stderr.String(), gatewaySecret)
}
