package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/shard"
	"github.com/wasmgw/wasmgw/runtime"
)

type gatewayFlags struct {
	common
	profiles       []string
	defaultProfile string
	maxPerProfile  int
	drain          time.Duration
	shard          string
	ops            opsFlags
}

func gatewayCommand(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "enroll" {
		return enrollCommand(ctx, a, args[1:])
	}
	var f gatewayFlags
	fs := newFlagSet("gateway", "[--home DIR] [--profile NAME]... [flags]\n       wasmgw gateway enroll --token T [--wake-url U]",
		`Serve every profile of a home (or only those named with --profile) over one
outbound relay connection to a connector. Each inbound message goes to
exactly one profile: the profile the connector stamped on it, else the
most specific matching gateway.profile_routes rule, else
gateway.default_profile (or --default-profile), else the only profile
served when the gateway serves exactly one (a one-bot connector that never
stamps a profile works out of the box). Anything else is dropped with a
log line, never served by "default". It is handled by the profile's
handler module in its sandbox and answered over the relay.

Each message is answered once: a message the connector delivers again is
not run again (a bounded in-memory record; it does not survive a restart),
and a reply that could not be written while the connection was down is
sent after the next handshake (see docs/relay.md, "Delivery guarantee").

The relay settings come from the environment first, then <home>/.env (the
gateway's own, written by "wasmgw gateway enroll"), then the gateway:
section of <home>/config.yaml: GATEWAY_RELAY_URL (relay_url),
GATEWAY_RELAY_ID and GATEWAY_RELAY_SECRET (relay_id, relay_secret), ... (see
docs/relay.md). With a URL, no secret and GATEWAY_RELAY_ACCESS_TOKEN, the
gateway provisions credentials at boot and keeps them in memory only.

SIGHUP (or, with --watch, a change to the home's files) reloads the home
without dropping a message: new profiles start serving, removed ones stop
taking messages while their running turns finish, and a changed config.yaml
or module applies from the next call; a profile whose new config is invalid
keeps its previous one, and the error (file, line) goes to the log and the
audit trail. See docs/operations.md.

With --metrics-addr, /metrics (Prometheus), /healthz (alive) and /readyz
(relay connected and profiles loaded) are served on that address.

SIGINT or SIGTERM drains: the connector is asked to buffer new messages,
turns in flight finish (at most --drain-timeout), then the connection
closes. Exit status 1 when the connector revokes the gateway (a second
4401 after a fresh token).

Several gateways can share one connector and one home: with --shard I/N
this one serves only the profiles whose owner (a jump consistent hash of
the profile name over N) is I, tells the connector so in its hello, and
drops a message for another shard's profile with a log line naming its
shard. Give each its own GATEWAY_RELAY_INSTANCE_ID. Going from N to N+1
gateways moves only about 1/(N+1) of the profiles, all to the new one
(docs/operations.md, "Scaling out").

"wasmgw gateway enroll --token T" trades a one-time enrollment token for
this gateway's credentials and writes them to <home>/.env (mode 0600).

Examples:
  wasmgw gateway --home /srv/wasmgw
  GATEWAY_RELAY_INSTANCE_ID=gw-1 wasmgw gateway --home /srv/wasmgw --shard 1/3
  wasmgw gateway --shard hostname/3      # in a StatefulSet pod named wasmgw-1: shard 1/3`)
	f.register(fs, "info")
	fs.StringArrayVarP(&f.profiles, "profile", "p", nil, "serve only this profile (repeatable; default gateway.profiles of <home>/config.yaml, else every profile of the home)")
	fs.StringVar(&f.defaultProfile, "default-profile", "", "serve messages the connector did not stamp with a profile (and no profile_routes rule matches) with this profile (default gateway.default_profile; else the only profile served)")
	fs.IntVar(&f.maxPerProfile, "max-per-profile", relay.DefaultMaxPerProfile, "turns one profile runs at once")
	fs.DurationVar(&f.drain, "drain-timeout", relay.DefaultDrainTimeout, "on shutdown, how long turns in flight may take to finish")
	fs.StringVar(&f.shard, "shard", "", "serve only shard I of N gateways sharing this home (I/N, 0-based like StatefulSet ordinals; hostname/N takes I from a host name ending in -I); see docs/operations.md")
	f.ops.register(fs)
	if err := parse(fs, a, args); err != nil {
		return err
	}
	sh, err := parseShard(a, f.shard)
	if err != nil {
		fmt.Fprintf(a.stderr, "wasmgw gateway: %v\n", err)
		return &exitError{2}
	}
	log, err := f.logger(a)
	if err != nil {
		return err
	}
	cfg, err := loadRelayConfig(a, &f.common, log)
	if err != nil {
		return err
	}
	if !cfg.Enabled() {
		fmt.Fprintln(a.stderr, "wasmgw gateway: no connector URL: set GATEWAY_RELAY_URL, or gateway.relay_url in <home>/config.yaml")
		return &exitError{2}
	}
	if f.defaultProfile != "" {
		cfg.DefaultProfile = f.defaultProfile
	}
	names := f.profiles
	if len(names) == 0 {
		names = cfg.Profiles // gateway.profiles in <home>/config.yaml
	}
	if !sh.Whole() {
		home, err := f.openHome(a)
		if err != nil {
			return err
		}
		if names, err = shardNames(home, names, sh); err != nil {
			return err
		}
		log.Info("serving one shard of the home", "shard", sh.String(), "hash", shard.Algorithm, "profiles", len(names))
	}
	o, err := startOps(a, &f.ops, &f.common)
	if err != nil {
		return err
	}
	defer o.close(ctx)
	b, err := bootWith(ctx, a, &f.common, names, o)
	if err != nil {
		return err
	}
	defer b.close(context.WithoutCancel(ctx))
	o.booted(b)
	o.names = func() ([]string, error) {
		names := f.profiles
		if len(names) == 0 {
			// gateway.profiles of <home>/config.yaml, as it is now.
			cfg, err := loadRelayConfig(a, &f.common, b.log)
			if err != nil {
				return nil, err
			}
			names = cfg.Profiles
		}
		// A reload keeps to this gateway's shard: a new profile of
		// another shard is not picked up here.
		return shardNames(b.home, names, sh)
	}
	stopReloads, err := o.serveReloads(ctx)
	if err != nil {
		return err
	}
	defer stopReloads()
	return serveGateway(ctx, a, b, cfg, relay.GatewayOptions{MaxPerProfile: f.maxPerProfile, DrainTimeout: f.drain, Shard: sh})
}

// serveGateway provisions credentials when it should, then serves b's
// fleet until ctx is done or the connector revokes the gateway.
func serveGateway(ctx context.Context, a *app, b *booted, cfg relay.Config, opts relay.GatewayOptions) error {
	if creds, ok := relay.Provision(ctx, cfg, &http.Client{Timeout: 15 * time.Second}, b.log); ok {
		cfg = cfg.WithCredentials(creds)
		b.log.Info("relay: provisioned credentials for this run (kept in memory only)", "gateway_id", cfg.GatewayID)
	}
	opts.Fleet = b.fleet
	opts.Logger = b.log
	opts.Client.Hello = relay.HelloInfo{Version: buildInfo().Short(), InstanceID: cfg.InstanceID, Shard: relay.HelloShardFor(opts.Shard)}
	opts = b.ops.gatewayOptions(opts)
	g, err := relay.NewGateway(cfg, opts)
	if err != nil {
		return err
	}
	b.ops.attach(g)
	b.log.Info("relay: connecting", "relay", cfg, "profiles", len(b.fleet.Names()), "version", opts.Client.Hello.Version, "shard", opts.Shard.String())
	err = g.Run(ctx)
	if errors.Is(err, relay.ErrRevoked) {
		fmt.Fprintln(a.stderr, "wasmgw gateway: relay disabled: the connector revoked this gateway's credentials; enroll again")
		return &exitError{1}
	}
	return err
}

// loadRelayConfig reads the relay settings: this process's environment,
// then the home's own .env, then the gateway: section of its config.yaml.
func loadRelayConfig(a *app, c *common, log *slog.Logger) (relay.Config, error) {
	dir, err := runtime.ResolveHome(c.home, a.getenv)
	if err != nil {
		return relay.Config{}, err
	}
	own, err := gatewayEnv(dir)
	if err != nil {
		return relay.Config{}, err
	}
	env := func(k string) string {
		if v := a.getenv(k); v != "" {
			return v
		}
		return own[k]
	}
	cfg, err := relay.LoadConfig(env, filepath.Join(dir, "config.yaml"))
	if err != nil {
		return relay.Config{}, err
	}
	for _, w := range cfg.Warnings {
		log.Warn("relay config: " + w)
	}
	return cfg, nil
}

// gatewayEnv reads the gateway's own .env (<home>/.env); a missing file is
// an empty one.
func gatewayEnv(home string) (map[string]string, error) {
	return runtime.ReadDotenv(filepath.Join(home, ".env"))
}

type enrollFlags struct {
	common
	token   string
	wakeURL string
}

func enrollCommand(ctx context.Context, a *app, args []string) error {
	var f enrollFlags
	fs := newFlagSet("gateway enroll", "--token T [--wake-url U] [--home DIR]",
		`Trade a one-time enrollment token for this gateway's relay credentials
(POST <relay>/relay/enroll with the identity token GATEWAY_RELAY_ACCESS_TOKEN
as bearer) and write GATEWAY_RELAY_ID, GATEWAY_RELAY_SECRET and
GATEWAY_RELAY_DELIVERY_KEY into <home>/.env: mode 0600, written atomically,
other lines kept. The credentials are never printed.`)
	f.registerOnly(fs, "warn", true, false)
	fs.StringVar(&f.token, "token", "", "the enrollment token the connector issued (required)")
	fs.StringVar(&f.wakeURL, "wake-url", "", "URL the connector may call to wake this gateway")
	if err := parse(fs, a, args); err != nil {
		return err
	}
	if f.token == "" {
		fmt.Fprintln(a.stderr, "wasmgw gateway enroll: --token is required")
		return &exitError{2}
	}
	log, err := f.logger(a)
	if err != nil {
		return err
	}
	cfg, err := loadRelayConfig(a, &f.common, log)
	if err != nil {
		return err
	}
	if !cfg.Enabled() {
		fmt.Fprintln(a.stderr, "wasmgw gateway enroll: no connector URL: set GATEWAY_RELAY_URL, or gateway.relay_url in <home>/config.yaml")
		return &exitError{2}
	}
	dir, err := runtime.ResolveHome(f.home, a.getenv)
	if err != nil {
		return err
	}
	creds, err := relay.Enroll(ctx, cfg, &http.Client{Timeout: 30 * time.Second}, f.token, f.wakeURL)
	if err != nil {
		return fmt.Errorf("gateway enroll: %w", err)
	}
	path := filepath.Join(dir, ".env")
	if err := relay.WriteCredentials(path, creds); err != nil {
		return fmt.Errorf("gateway enroll: %w", err)
	}
	fmt.Fprintf(a.stdout, "Enrolled gateway %q (tenant %q); credentials written to %s.\n", creds.GatewayID, creds.Tenant, path)
	return nil
}
