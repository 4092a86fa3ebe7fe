package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// provisionTimeout bounds one POST /relay/provision.
const provisionTimeout = 15 * time.Second

// ErrEnrollmentRefused is wrapped by [Enroll]'s error when the connector
// answers 403: the enrollment token or the identity token was refused.
var ErrEnrollmentRefused = errors.New("relay enroll: enrollment refused by the connector (403)")

// defaultGatewayID is the gateway id used when GATEWAY_RELAY_ID is unset:
// "gw-" + the host name ("gw-wasmgw" when it cannot be read).
func defaultGatewayID() string { return gatewayIDFromHost(os.Hostname) }

// gatewayIDFromHost is defaultGatewayID with the host name read by hostname.
func gatewayIDFromHost(hostname func() (string, error)) string {
	h, err := hostname()
	if h = strings.TrimSpace(h); err != nil || h == "" {
		h = "wasmgw"
	}
	return "gw-" + h
}

// gatewayID is cfg's id, else the default.
func gatewayID(cfg Config) string {
	if cfg.GatewayID != "" {
		return cfg.GatewayID
	}
	return defaultGatewayID()
}

// credentialClient returns a copy of client (nil: a new one) that never
// follows a redirect to another host: the bearer must not travel there.
// A redirect on the same host is followed (at most 3).
func credentialClient(client *http.Client) *http.Client {
	hc := &http.Client{}
	if client != nil {
		copied := *client
		hc = &copied
	}
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("too many redirects")
		}
		if req.URL.Scheme != via[0].URL.Scheme || req.URL.Host != via[0].URL.Host {
			return fmt.Errorf("redirect to another host (%s) refused: the identity token is not sent there", req.URL.Host)
		}
		return nil
	}
	return hc
}

// postJSON POSTs body with the bearer and decodes a JSON object answer. The
// error never contains the bearer or the answer's credentials; msg is the
// answer's "error" (or "message") text, with secrets removed.
func postJSON(ctx context.Context, client *http.Client, url string, bearer Secret, body any, scrub []string) (status int, answer map[string]json.RawMessage, msg string, err error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return 0, nil, "", fmt.Errorf("bad URL %s", redactURL(url))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if bearer.Usable() {
		req.Header.Set("Authorization", "Bearer "+bearer.Reveal())
	}
	resp, err := credentialClient(client).Do(req)
	if err != nil {
		return 0, nil, "", errors.New(scrubText(transportErr(err), scrub))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, "", fmt.Errorf("reading the answer: %s", scrubText(err.Error(), scrub))
	}
	if json.Unmarshal(raw, &answer) != nil {
		answer = nil
	}
	if answer != nil {
		for _, k := range []string{"error", "message"} {
			var s string
			if json.Unmarshal(answer[k], &s) == nil && s != "" {
				msg = clip(scrubText(s, scrub), 200)
				break
			}
		}
	}
	return resp.StatusCode, answer, msg, nil
}

// transportErr describes a transport failure without the URL's query.
func transportErr(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

// scrubText removes every value of secrets (of 4 bytes or more) from s.
func scrubText(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

func jsonString(m map[string]json.RawMessage, key string) string {
	var s string
	if v, ok := m[key]; ok && json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	return ""
}

func jsonStrings(m map[string]json.RawMessage, key string) []string {
	var items []any
	if v, ok := m[key]; !ok || json.Unmarshal(v, &items) != nil {
		return nil
	}
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok && strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

// Enroll redeems an enrollment token: POST <connector>/relay/enroll with
// the identity token (cfg.AccessToken) as bearer and {"enrollmentToken",
// "gatewayId"} (plus "wakeUrl" when wakeURL is set); the gateway id is
// cfg.GatewayID, else "gw-" + the host name. It returns the issued
// credentials; persist them with [WriteCredentials]. A 403 wraps
// [ErrEnrollmentRefused]. No error contains a token or a secret.
func Enroll(ctx context.Context, cfg Config, client *http.Client, enrollmentToken, wakeURL string) (Credentials, error) {
	if !cfg.Enabled() {
		return Credentials{}, errors.New("relay enroll: no connector URL (set GATEWAY_RELAY_URL or gateway.relay_url)")
	}
	enrollmentToken = strings.TrimSpace(enrollmentToken)
	if enrollmentToken == "" {
		return Credentials{}, errors.New("relay enroll: empty enrollment token")
	}
	id := gatewayID(cfg)
	body := map[string]string{"enrollmentToken": enrollmentToken, "gatewayId": id}
	if w := strings.TrimRight(strings.TrimSpace(wakeURL), "/"); w != "" {
		body["wakeUrl"] = w
	}
	endpoint := cfg.httpURL("enroll")
	scrub := []string{enrollmentToken, cfg.AccessToken.Reveal(), cfg.Secret.Reveal()}
	status, answer, msg, err := postJSON(ctx, client, endpoint, cfg.AccessToken, body, scrub)
	if err != nil {
		return Credentials{}, fmt.Errorf("relay enroll: POST %s: %v", redactURL(endpoint), err)
	}
	detail := ""
	if msg != "" {
		detail = ": " + msg
	}
	switch {
	case status == http.StatusForbidden:
		return Credentials{}, fmt.Errorf("%w%s", ErrEnrollmentRefused, detail)
	case status < 200 || status > 299:
		return Credentials{}, fmt.Errorf("relay enroll: POST %s: HTTP %d%s", redactURL(endpoint), status, detail)
	case answer == nil:
		return Credentials{}, fmt.Errorf("relay enroll: POST %s: the answer is not a JSON object", redactURL(endpoint))
	}
	creds := Credentials{
		GatewayID:   first(jsonString(answer, "gatewayId"), id),
		Secret:      Secret(jsonString(answer, "secret")),
		DeliveryKey: Secret(jsonString(answer, "deliveryKey")),
		Tenant:      jsonString(answer, "tenant"),
		RouteKeys:   jsonStrings(answer, "routeKeys"),
	}
	if !creds.Secret.Usable() {
		return Credentials{}, fmt.Errorf("relay enroll: POST %s: the answer carries no secret", redactURL(endpoint))
	}
	return creds, nil
}

// WriteCredentials sets GATEWAY_RELAY_ID, GATEWAY_RELAY_SECRET and
// GATEWAY_RELAY_DELIVERY_KEY in the .env file at envPath (the gateway's
// own, never a profile's), creating it if needed. Other lines and comments
// are kept as they are; an existing line of one of these keys is replaced
// in place (later duplicates are dropped), a missing one is appended. The
// file is written atomically (a temporary file in the same directory,
// fsync, rename) with mode 0600. A symlink is followed.
func WriteCredentials(envPath string, creds Credentials) error {
	if creds.GatewayID == "" || !creds.Secret.Usable() {
		return errors.New("relay: write credentials: gateway id and secret are required")
	}
	values := []struct{ key, value string }{
		{EnvID, creds.GatewayID},
		{EnvSecret, creds.Secret.Reveal()},
		{EnvDeliveryKey, creds.DeliveryKey.Reveal()},
	}
	if p, err := filepath.EvalSymlinks(envPath); err == nil {
		envPath = p
	}
	old, err := os.ReadFile(envPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("relay: write credentials: %w", err)
	}
	rendered := map[string]string{}
	for _, v := range values {
		line, err := envLine(v.key, v.value)
		if err != nil {
			return err
		}
		rendered[v.key] = line
	}
	var out []string
	done := map[string]bool{}
	text := string(old)
	if text != "" {
		for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			key := envLineKey(line)
			if repl, ours := rendered[key]; ours {
				if !done[key] {
					out = append(out, repl)
					done[key] = true
				}
				continue
			}
			out = append(out, line)
		}
	}
	for _, v := range values {
		if !done[v.key] {
			out = append(out, rendered[v.key])
		}
	}
	return atomicWrite(envPath, []byte(strings.Join(out, "\n")+"\n"), 0o600)
}

// envLineKey returns the key a .env line assigns ("" for a blank line, a
// comment or a line without '=').
func envLineKey(line string) string {
	l := strings.Trim(line, asciiSpace)
	if l == "" || l[0] == '#' {
		return ""
	}
	l = strings.TrimPrefix(l, "export ")
	k, _, ok := strings.Cut(l, "=")
	if !ok {
		return ""
	}
	return strings.Trim(k, asciiSpace)
}

const asciiSpace = " \t\r\n\v\f"

// envLine renders KEY=value so that the gateway's .env parser reads value
// back exactly: bare when it is plain, else double-quoted with '\' and '"'
// escaped. A value with a line break cannot be written.
func envLine(key, value string) (string, error) {
	if strings.ContainsAny(value, "\n\r") {
		return "", fmt.Errorf("relay: write credentials: %s contains a line break", key)
	}
	plain := value != ""
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c <= ' ' || c == '#' || c == '"' || c == '\'' || c == '\\' || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain || value == "" {
		return key + "=" + value, nil
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return key + `="` + r.Replace(value) + `"`, nil
}

// atomicWrite replaces path with data: temporary file in the same
// directory, chmod, write, fsync, rename, directory fsync.
func atomicWrite(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("relay: write credentials: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("relay: write credentials: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("relay: write credentials: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("relay: write credentials: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("relay: write credentials: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("relay: write credentials: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Provision self-provisions at boot: when cfg has a connector URL, no
// pinned secret and an identity token, it POSTs /relay/provision once per
// fronted identity, in order, under one gateway id (cfg.GatewayID, else
// "gw-" + the host name), each bounded by 15 s. The body is
// {"gatewayId","platform","botId","gatewayEndpoint","routeKeys"} plus
// "instanceId", "wakeUrl" and "displayName" only when set. An answer
// {"secretIssued": false} is valid and carries nothing; the credentials are
// those of the first answer that carries a secret (kept in memory: apply
// them with [Config.WithCredentials]). A failing identity is logged and
// skipped. ok is false when nothing was obtained; Provision never fails the
// boot and never logs a credential.
func Provision(ctx context.Context, cfg Config, client *http.Client, log *slog.Logger) (creds Credentials, ok bool) {
	if log == nil {
		log = slog.Default()
	}
	switch {
	case !cfg.Enabled():
		return Credentials{}, false
	case cfg.Secret.Usable():
		log.Info("relay: self-provision skipped: a secret is pinned (GATEWAY_RELAY_SECRET or gateway.relay_secret)")
		return Credentials{}, false
	case !cfg.AccessToken.Usable():
		log.Debug("relay: self-provision skipped: no identity token")
		return Credentials{}, false
	}
	id := gatewayID(cfg)
	endpoint := cfg.httpURL("provision")
	routeKeys := cfg.RouteKeys
	if routeKeys == nil {
		routeKeys = []string{}
	}
	identities := cfg.Identities
	if len(identities) == 0 {
		identities = []Identity{{Platform: DefaultPlatform}}
	}
	scrub := []string{cfg.AccessToken.Reveal()}
	var provisioned, declined []string
	for _, ident := range identities {
		body := map[string]any{
			"gatewayId":       id,
			"platform":        ident.Platform,
			"botId":           ident.BotID,
			"gatewayEndpoint": cfg.Endpoint,
			"routeKeys":       routeKeys,
		}
		if cfg.InstanceID != "" {
			body["instanceId"] = cfg.InstanceID
		}
		if cfg.WakeURL != "" {
			body["wakeUrl"] = cfg.WakeURL
		}
		if ident.DisplayName != "" {
			body["displayName"] = ident.DisplayName
		}
		pctx, cancel := context.WithTimeout(ctx, provisionTimeout)
		status, answer, msg, err := postJSON(pctx, client, endpoint, cfg.AccessToken, body, scrub)
		cancel()
		fail := func(why string, args ...any) {
			log.Warn("relay: self-provision failed for this identity; continuing with the rest",
				append([]any{"platform", ident.Platform, "bot_id", ident.BotID, "url", redactURL(endpoint), "reason", why}, args...)...)
		}
		switch {
		case err != nil:
			fail("transport", "error", err.Error())
			continue
		case status < 200 || status > 299:
			fail("HTTP status", "status", status, "error", msg)
			continue
		case answer == nil:
			fail("malformed answer: not a JSON object", "status", status)
			continue
		}
		secret := jsonString(answer, "secret")
		if secret == "" {
			var issued *bool
			if v, has := answer["secretIssued"]; has && json.Unmarshal(v, &issued) == nil && issued != nil && !*issued {
				declined = append(declined, ident.Platform)
				log.Info("relay: self-provision: the connector issued no secret for this identity", "platform", ident.Platform)
				continue
			}
			fail("malformed answer: neither a secret nor secretIssued false")
			continue
		}
		provisioned = append(provisioned, ident.Platform)
		if !ok {
			creds = Credentials{
				GatewayID:   first(jsonString(answer, "gatewayId"), id),
				Secret:      Secret(secret),
				DeliveryKey: Secret(jsonString(answer, "deliveryKey")),
				Tenant:      jsonString(answer, "tenant"),
				RouteKeys:   jsonStrings(answer, "routeKeys"),
			}
			ok = true
		}
	}
	if !ok {
		log.Warn("relay: self-provision obtained no credentials; booting without relay auth",
			"identities", len(identities), "declined", declined)
		return Credentials{}, false
	}
	log.Info("relay: self-provisioned", "gateway_id", creds.GatewayID, "tenant", creds.Tenant,
		"platforms", provisioned, "route_keys", len(routeKeys), "inbound", cfg.Endpoint != "",
		"instance_id", cfg.InstanceID, "wake", cfg.WakeURL != "")
	return creds, true
}
