package relay

import (
	"context"
	"errors"
	"log/slog"
	goruntime "runtime"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/relay/shard"
	"github.com/wasmgw/wasmgw/runtime"
)

// Gateway defaults.
const (
	// DefaultMaxPerProfile bounds the turns one profile runs at once.
	DefaultMaxPerProfile = 4
	// DefaultMaxQueue bounds the messages waiting in one session.
	DefaultMaxQueue = 64
	// DefaultDrainTimeout bounds how long a shutdown waits for turns in
	// flight before it interrupts them.
	DefaultDrainTimeout = 15 * time.Second
	// DefaultIdleAckTimeout bounds the wait for going_idle_ack.
	DefaultIdleAckTimeout = 5 * time.Second
	// DefaultSendTimeout bounds the hand-off of one reply (all its parts).
	DefaultSendTimeout = 45 * time.Second
)

// Replies the gateway writes itself, when the handler could not.
const (
	ReplyInterrupted = "⏹ Stopped."
	ReplyTimeout     = "⌛ That took too long and was stopped."
	ReplyBusy        = "⏳ Too many messages are waiting in this conversation; this one was not handled."
	ReplyFailed      = "⚠️ Something went wrong handling that message."
)

// errInterrupted and errShutdown are the causes a turn is cancelled with.
var (
	errInterrupted = errors.New("interrupted by the connector")
	errShutdown    = errors.New("gateway shutting down")
)

// GatewayOptions configures a [Gateway].
type GatewayOptions struct {
	// Fleet holds the profiles served. Required.
	Fleet *runtime.Fleet
	// MaxPerProfile bounds the turns one profile runs at once (default
	// DefaultMaxPerProfile); MaxConcurrent bounds them across profiles
	// (default 4 per CPU), so that guests stuck in loops cannot starve the
	// host of threads.
	MaxPerProfile int
	MaxConcurrent int
	// MaxQueue bounds the messages waiting in one session (default
	// DefaultMaxQueue); a message beyond it is answered with ReplyBusy.
	MaxQueue int
	// DrainTimeout, IdleAckTimeout and SendTimeout: see the defaults.
	DrainTimeout   time.Duration
	IdleAckTimeout time.Duration
	SendTimeout    time.Duration
	// MaxReceipts and ReceiptTTL bound the record of recent deliveries that
	// makes a redelivered message answered once (defaults
	// DefaultMaxReceipts, DefaultReceiptTTL).
	MaxReceipts int
	ReceiptTTL  time.Duration
	// MaxHeld, MaxHeldBytes and HeldTTL bound the replies held while the
	// connection is down (defaults DefaultMaxHeld, DefaultMaxHeldBytes,
	// DefaultHeldTTL).
	MaxHeld      int
	MaxHeldBytes int
	HeldTTL      time.Duration
	// Logger receives the gateway's log lines (nil: slog.Default()).
	Logger *slog.Logger
	// Client configures the connector client; its Handler is the gateway.
	Client ClientOptions
	// Shard is the part of the home this gateway serves (zero: all); a
	// message for a profile of another shard is dropped, naming its shard.
	Shard shard.Shard
}

// Gateway serves the profiles of a [runtime.Fleet] over one connector
// connection: each inbound message is routed to exactly one profile
// (connector-stamped source.profile, else the config's profile_routes, else
// gateway.default_profile, else the only profile served; anything else is
// dropped), queued in its session (one turn at a time per session, a
// bounded number per profile), handled by the profile's handler module, and
// answered with send actions. An interrupt_inbound cancels the running turn
// of exactly that session.
//
// A message the connector delivers again is answered once (see receipts.go)
// and a reply that could not be written while the connection was down is
// held and sent after the next handshake (see outbox.go).
type Gateway struct {
	cfg    Config
	opts   GatewayOptions
	fleet  *runtime.Fleet
	log    *slog.Logger
	client *Client
	now    func() time.Time

	receipts  *receipts
	outbox    *outbox
	flushKick chan struct{}

	// turns is the parent of every turn's context; cancelled with
	// errShutdown when a drain runs out of time.
	turns       context.Context
	cancelTurns context.CancelCauseFunc
	global      chan struct{}

	mu       sync.Mutex
	sessions map[string]*session // by our session key
	aliases  map[string]string   // the connector's key -> ours, when they differ
	slots    map[string]chan struct{}
	pending  int           // accepted messages whose turn has not finished
	changed  chan struct{} // signalled when pending drops

	counts gatewayCounts // for Stats (gateway_stats.go)
}

// session is one conversation: its queue and its running turn.
type session struct {
	key     string
	profile string
	queue   []queued
	running bool
	cancel  context.CancelCauseFunc // of the running turn
}

// queued is a message waiting for its turn, with its delivery record.
type queued struct {
	in  Inbound
	rec *receipt
}

// NewGateway returns a gateway for cfg serving opts.Fleet. It dials nothing
// until Run.
func NewGateway(cfg Config, opts GatewayOptions) (*Gateway, error) {
	if opts.Fleet == nil {
		return nil, errors.New("relay: gateway: no fleet")
	}
	if !cfg.Enabled() {
		return nil, errors.New("relay: gateway: no connector URL (set GATEWAY_RELAY_URL or gateway.relay_url)")
	}
	if opts.MaxPerProfile <= 0 {
		opts.MaxPerProfile = DefaultMaxPerProfile
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 4 * goruntime.GOMAXPROCS(0)
	}
	if opts.MaxQueue <= 0 {
		opts.MaxQueue = DefaultMaxQueue
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	if opts.IdleAckTimeout <= 0 {
		opts.IdleAckTimeout = DefaultIdleAckTimeout
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = DefaultSendTimeout
	}
	if opts.MaxReceipts <= 0 {
		opts.MaxReceipts = DefaultMaxReceipts
	}
	if opts.ReceiptTTL <= 0 {
		opts.ReceiptTTL = DefaultReceiptTTL
	}
	if opts.MaxHeld <= 0 {
		opts.MaxHeld = DefaultMaxHeld
	}
	if opts.MaxHeldBytes <= 0 {
		opts.MaxHeldBytes = DefaultMaxHeldBytes
	}
	if opts.HeldTTL <= 0 {
		opts.HeldTTL = DefaultHeldTTL
	}
	now := opts.Client.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	g := &Gateway{
		cfg: cfg, opts: opts, fleet: opts.Fleet, log: log,
		global:    make(chan struct{}, opts.MaxConcurrent),
		sessions:  map[string]*session{},
		aliases:   map[string]string{},
		slots:     map[string]chan struct{}{},
		changed:   make(chan struct{}, 1),
		now:       now,
		receipts:  newReceipts(opts.MaxReceipts, opts.ReceiptTTL, now),
		outbox:    &outbox{maxCount: opts.MaxHeld, maxBytes: opts.MaxHeldBytes, ttl: opts.HeldTTL, now: now},
		flushKick: make(chan struct{}, 1),
	}
	co := opts.Client
	co.Handler = g
	onState := co.OnState
	co.OnState = func(s State) {
		if s == StateHandshaken {
			g.kickFlush() // send the replies held while disconnected
		}
		if onState != nil {
			onState(s)
		}
	}
	if co.Logger == nil {
		co.Logger = log
	}
	g.client = NewClient(cfg, co)
	return g, nil
}

// Client returns the gateway's connector client.
func (g *Gateway) Client() *Client { return g.client }

// Run serves until ctx is done, then drains: it sends going_idle and waits
// for the ack (at most IdleAckTimeout), lets the turns in flight finish and
// hand off their replies (at most DrainTimeout), interrupts what remains,
// and closes the connection. It returns nil after a drain, or the client's
// error when the relay stopped on its own (a revocation: see [ErrRevoked]).
func (g *Gateway) Run(ctx context.Context) error {
	base := context.WithoutCancel(ctx)
	g.turns, g.cancelTurns = context.WithCancelCause(base)
	defer g.cancelTurns(errShutdown)
	clientCtx, stopClient := context.WithCancel(base)
	defer stopClient()
	done := make(chan error, 1)
	go func() { done <- g.client.Run(clientCtx) }()
	g.logRouting()
	flushCtx, stopFlusher := context.WithCancel(base)
	flushed := make(chan struct{})
	go g.flusher(flushCtx, flushed)
	defer func() {
		stopFlusher()
		<-flushed
		g.reportHeld()
	}()

	select {
	case err := <-done:
		// The relay stopped by itself: nothing more can be answered.
		g.cancelTurns(errShutdown)
		g.waitTurns(g.opts.DrainTimeout)
		if err != nil {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	g.log.Info("relay: draining", "turns", g.inFlight())
	idle, cancel := context.WithTimeout(base, g.opts.IdleAckTimeout)
	if err := g.client.GoIdle(idle); err != nil {
		g.log.Warn("relay: no going_idle_ack; draining anyway", "error", err)
	}
	cancel()
	if !g.waitTurns(g.opts.DrainTimeout) {
		g.log.Warn("relay: turns still running after the drain bound; interrupting them", "turns", g.inFlight(), "bound", g.opts.DrainTimeout)
		g.cancelTurns(errShutdown)
		g.waitTurns(g.opts.SendTimeout)
	}
	stopFlusher()
	<-flushed
	if g.client.Connected() {
		// What a turn held in a last reconnect window, or what the
		// flusher had not sent yet; bounded like one reply.
		fctx, cancel := context.WithTimeout(base, g.opts.SendTimeout)
		g.flushHeld(fctx)
		cancel()
	}
	stopClient()
	<-done
	g.log.Info("relay: closed")
	return nil
}

// inFlight is the number of accepted messages not yet answered.
func (g *Gateway) inFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pending
}

// waitTurns waits until no message is pending, at most d; it reports
// whether none is.
func (g *Gateway) waitTurns(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		if g.inFlight() == 0 {
			return true
		}
		select {
		case <-g.changed:
		case <-timer.C:
			return g.inFlight() == 0
		}
	}
}

// Route returns the profile an event goes to, and how it was chosen
// ("source", "route NAME", "default_profile" or "only profile"); ok is
// false when the event names no profile this gateway serves. An event the
// connector did not stamp goes to the most specific profile_routes rule,
// else to gateway.default_profile, else to the one profile this gateway
// serves when it serves exactly one (and none failed to load).
func (g *Gateway) Route(ev Event) (profile, how string, ok bool) {
	switch {
	case ev.Source.Profile != "":
		profile, how = ev.Source.Profile, "source"
	default:
		if r, found := MatchRoute(g.cfg.ProfileRoutes, ev.Source); found {
			profile, how = r.Profile, "route "+r.Name
		} else if g.cfg.DefaultProfile != "" {
			profile, how = g.cfg.DefaultProfile, "default_profile"
		} else if names := g.fleet.Names(); len(names) == 1 && len(g.fleet.Failed()) == 0 {
			profile, how = names[0], "only profile"
		} else {
			return "", "", false
		}
	}
	_, served := g.fleet.Tenant(profile)
	return profile, how, served
}

// Inbound implements [Handler]: look the delivery up (a redelivery of a
// message still running joins its turn; one already answered is
// acknowledged again and not run), route, queue, and start the session's
// worker if it is idle. It never blocks on a guest.
func (g *Gateway) Inbound(ctx context.Context, in Inbound) {
	src := in.Event.Source
	rec, v := g.receipts.admit(in)
	switch v {
	case admitJoin:
		g.log.Info("relay: redelivery of a message still running joins its turn (not run again)",
			"chat_id", src.ChatID, "message_id", in.Event.MessageID, "buffer_id", in.BufferID)
		return
	case admitAnswered:
		g.log.Info("relay: redelivery of a message already answered acknowledged again (not run again)",
			"chat_id", src.ChatID, "message_id", in.Event.MessageID, "buffer_id", in.BufferID)
		g.ack(in.BufferID)
		return
	}
	profile, how, ok := g.Route(in.Event)
	if !ok {
		reason := "no profile: not stamped by the connector, no profile_routes rule matches, no gateway.default_profile, and this gateway serves more than one profile"
		if profile != "" {
			reason = "profile not served by this gateway"
			if !g.opts.Shard.Owns(profile) {
				reason = misrouted(profile, g.opts.Shard)
			} else if err := g.fleet.Err(profile); err != nil {
				reason = "profile failed to load"
			}
			if how == "default_profile" {
				reason = "gateway.default_profile " + reason
			}
		}
		g.counts.dropped.Add(1)
		g.log.Warn("relay: inbound dropped", "profile", profile, "reason", reason,
			"platform", src.Platform, "chat_id", src.ChatID, "message_id", in.Event.MessageID)
		// Dropping is a decision, not a failure: acknowledge a buffered
		// delivery so that it is not redelivered forever.
		g.receipts.forget(rec)
		g.ack(in.BufferID)
		return
	}
	key := SessionKeyFor(src, profile)
	g.mu.Lock()
	if theirs := SessionKey(in.Event); theirs != key {
		g.aliases[theirs] = key
	}
	s := g.sessions[key]
	if s == nil {
		s = &session{key: key, profile: profile}
		g.sessions[key] = s
	}
	if len(s.queue) >= g.opts.MaxQueue {
		g.mu.Unlock()
		g.counts.busy.Add(1)
		g.log.Warn("relay: session queue full; message refused", "profile", profile, "session", key, "queued", g.opts.MaxQueue)
		go g.reply(profile, in, rec, ReplyBusy)
		return
	}
	s.queue = append(s.queue, queued{in: in, rec: rec})
	g.pending++
	start := !s.running
	s.running = true
	g.mu.Unlock()
	g.counts.accepted.Add(1)
	g.log.Debug("relay: inbound", "profile", profile, "via", how, "session", key, "message_id", in.Event.MessageID)
	if start {
		go g.work(s)
	}
}

// InterruptInbound implements [Handler]: cancel the running turn of that
// session (and only that one).
func (g *Gateway) InterruptInbound(sessionKey, chatID string) {
	g.mu.Lock()
	s := g.sessions[sessionKey]
	if s == nil {
		if ours, ok := g.aliases[sessionKey]; ok {
			s = g.sessions[ours]
		}
	}
	var cancel context.CancelCauseFunc
	if s != nil {
		cancel = s.cancel
	}
	g.mu.Unlock()
	if cancel == nil {
		g.log.Info("relay: interrupt for a session with no running turn", "session", sessionKey, "chat_id", chatID)
		return
	}
	g.log.Info("relay: interrupting", "session", sessionKey, "chat_id", chatID)
	cancel(errInterrupted)
}

// work runs a session's queued messages one at a time, then retires.
func (g *Gateway) work(s *session) {
	for {
		g.mu.Lock()
		if len(s.queue) == 0 {
			s.running = false
			delete(g.sessions, s.key)
			g.mu.Unlock()
			return
		}
		q := s.queue[0]
		s.queue = s.queue[1:]
		g.mu.Unlock()
		g.turn(s, q.in, q.rec)
		g.mu.Lock()
		g.pending--
		g.mu.Unlock()
		select {
		case g.changed <- struct{}{}:
		default:
		}
	}
}

// slot returns the concurrency semaphore of a profile.
func (g *Gateway) slot(profile string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.slots[profile]
	if c == nil {
		c = make(chan struct{}, g.opts.MaxPerProfile)
		g.slots[profile] = c
	}
	return c
}

// turn handles one message: wait for a slot of its profile, run the
// handler under a context an interrupt can cancel, and hand off the reply.
func (g *Gateway) turn(s *session, in Inbound, rec *receipt) {
	ctx, cancel := context.WithCancelCause(g.turns)
	defer cancel(nil)
	g.mu.Lock()
	s.cancel = cancel
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		s.cancel = nil
		g.mu.Unlock()
	}()

	text, err := g.handle(ctx, s, in)
	switch {
	case context.Cause(ctx) != nil:
		// Interrupted: whatever the handler made of its cancelled tool
		// call, the turn is over and the reply says so.
		g.log.Info("relay: turn stopped", "profile", s.profile, "session", s.key, "cause", context.Cause(ctx))
		text = ReplyInterrupted
	case err == nil:
	default:
		var ce *runtime.CallError
		if errors.As(err, &ce) && ce.Kind == runtime.KindTimeout {
			text = ReplyTimeout
		} else {
			text = ReplyFailed
		}
		g.log.Warn("relay: turn failed", "profile", s.profile, "session", s.key, "error", err)
	}
	g.reply(s.profile, in, rec, text)
}

// handle waits for a slot and runs the profile's handler.
func (g *Gateway) handle(ctx context.Context, s *session, in Inbound) (string, error) {
	slot := g.slot(s.profile)
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
	defer func() { <-slot }()
	select {
	case g.global <- struct{}{}:
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
	defer func() { <-g.global }()
	ev, src := in.Event, in.Event.Source
	// The fleet's current tenant: a reload swaps profiles under traffic.
	reply, err := g.fleet.Handle(ctx, s.profile, abi.HandleRequest{
		SessionKey: s.key, Platform: src.Platform, ChatID: src.ChatID, ChatType: src.ChatType,
		UserID: first(src.UserIDAlt, src.UserID), UserName: src.UserName,
		MessageID: ev.MessageID, MessageType: ev.MessageType, Text: ev.Text,
	})
	return reply.Text, err
}

// split cuts text at the connection's max_message_length; an empty text
// sends nothing.
func (g *Gateway) split(text string) []string {
	if text == "" {
		return nil
	}
	if d, ok := g.client.Descriptor(); ok {
		return d.Split(text)
	}
	return SplitText(text, DefaultMaxMessageLength, LenChars)
}

// identityFor names the fronted identity of a platform for outbound frames:
// the configured one of that platform, else the primary's bot on that
// platform.
func (g *Gateway) identityFor(platform string) (string, string) {
	if platform == "" {
		platform = DefaultPlatform
	}
	for _, id := range g.cfg.Identities {
		if id.Platform == platform {
			return platform, id.BotID
		}
	}
	return platform, ""
}

// ack acknowledges a buffered delivery.
func (g *Gateway) ack(bufferID string) {
	if bufferID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.opts.SendTimeout)
	defer cancel()
	err := g.client.Ack(ctx, bufferID)
	g.counts.acked(err == nil)
	if err != nil {
		g.log.Warn("relay: inbound_ack not sent; the connector will deliver again", "buffer_id", bufferID, "error", err)
	}
}
