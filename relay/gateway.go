package relay

// This file holds the Gateway type: its defaults, options and construction.

import (
	"context"
	"errors"
	"log/slog"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmgw/wasmgw/relay/shard"
	"github.com/wasmgw/wasmgw/runtime"
)

// Gateway defaults.
const (
	// DefaultMaxPerProfile bounds the turns one profile runs at once.
	DefaultMaxPerProfile = 4
	// defaultMaxQueue bounds the messages waiting in one session.
	defaultMaxQueue = 64
	// DefaultDrainTimeout bounds how long a shutdown waits for turns in
	// flight before it interrupts them.
	DefaultDrainTimeout = 15 * time.Second
	// defaultIdleAckTimeout bounds the wait for going_idle_ack.
	defaultIdleAckTimeout = 5 * time.Second
	// defaultSendTimeout bounds the hand-off of one reply (all its parts).
	defaultSendTimeout = 45 * time.Second
)

// Replies the gateway writes itself, when the handler could not
// (docs/relay.md, "Gateway").
const (
	replyInterrupted = "⏹ Stopped."
	replyTimeout     = "⌛ That took too long and was stopped."
	replyBusy        = "⏳ Too many messages are waiting in this conversation; this one was not handled."
	replyFailed      = "⚠️ Something went wrong handling that message."
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
	// MaxQueue bounds the messages waiting in one session (default 64); a
	// message beyond it is answered with a busy notice.
	MaxQueue int
	// DrainTimeout bounds how long a shutdown waits for turns in flight
	// before it interrupts them (default DefaultDrainTimeout);
	// IdleAckTimeout the wait for going_idle_ack (5 s); SendTimeout the
	// hand-off of one reply, all its parts (45 s).
	DrainTimeout   time.Duration
	IdleAckTimeout time.Duration
	SendTimeout    time.Duration
	// MaxReceipts and ReceiptTTL bound the record of recent deliveries that
	// makes a redelivered message answered once (defaults 10000 and 1 h).
	MaxReceipts int
	ReceiptTTL  time.Duration
	// MaxHeld, MaxHeldBytes and HeldTTL bound the replies held while the
	// connection is down (defaults 1000 replies, 8 MiB of text, 10 min).
	MaxHeld      int
	MaxHeldBytes int
	HeldTTL      time.Duration
	// WorkerIdle is how long a goroutine that ran a session's turns waits
	// for another session before it exits (default 5 s); a reused one has
	// already grown its stack for the runtime's deep calls.
	WorkerIdle time.Duration
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

	// Turn workers (gateway_workers.go): a session handed to a waiting
	// worker, how many wait, and closed when Run returns.
	handoff  chan *session
	parked   atomic.Int64
	stopped  chan struct{}
	stopOnce sync.Once
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
		opts.MaxQueue = defaultMaxQueue
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	if opts.IdleAckTimeout <= 0 {
		opts.IdleAckTimeout = defaultIdleAckTimeout
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = defaultSendTimeout
	}
	if opts.MaxReceipts <= 0 {
		opts.MaxReceipts = defaultMaxReceipts
	}
	if opts.ReceiptTTL <= 0 {
		opts.ReceiptTTL = defaultReceiptTTL
	}
	if opts.MaxHeld <= 0 {
		opts.MaxHeld = defaultMaxHeld
	}
	if opts.MaxHeldBytes <= 0 {
		opts.MaxHeldBytes = defaultMaxHeldBytes
	}
	if opts.HeldTTL <= 0 {
		opts.HeldTTL = defaultHeldTTL
	}
	if opts.WorkerIdle <= 0 {
		opts.WorkerIdle = defaultWorkerIdle
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
		handoff:   make(chan *session),
		stopped:   make(chan struct{}),
	}
	co := opts.Client
	co.Handler = gatewayHandler{g}
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
