package main

import (
	"context"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/relaytest"
	"github.com/wasmgw/wasmgw/runtime"
)

// benchReplyTimeout bounds the wait for the reply of one bench message.
const benchReplyTimeout = 60 * time.Second

// benchRelay measures the whole path: a message pushed by a connector over
// loopback, routed by the real gateway to its profile, handled by the
// profile's handler module (which calls the whoami tool in its own
// sandbox), and the reply received back by the connector. The named
// profiles are loaded as a gateway loads them (a runtime.Fleet on engine);
// messages are spread over sessions sessions, one message in flight per
// session, session i talking to profile i mod len(names). It reports the
// throughput and the push-to-reply latency of the last of rounds rounds
// (the earlier ones, reported in a row each, let the pools grow to the
// load).
//
// Then, when rate > 0, the latency at an offered load: messages sent at
// rate per second whatever the replies do (an open loop), so the
// percentiles show the path itself rather than the queue a saturated
// closed loop builds (with S messages in flight at T msgs/s, a reply
// waits S/T on average, by Little's law).
func benchRelay(ctx context.Context, r *benchReport, log *slog.Logger, engine *runtime.Engine, home *runtime.Home, names []string, sessions, messages, rounds, rate int) error {
	if len(names) == 0 || messages <= 0 {
		r.row("relay round trip", "not measured (no active profile or no message)", "")
		return nil
	}
	sessions = max(1, min(sessions, messages))
	rounds = max(1, rounds)
	fleet, err := runtime.OpenFleet(ctx, engine, home, names, goruntime.NumCPU(), nil)
	if err != nil {
		return fmt.Errorf("bench relay: load the profiles: %w", err)
	}
	defer fleet.Close(context.WithoutCancel(ctx))

	secret, err := randomHex(32)
	if err != nil {
		return fmt.Errorf("bench relay: gateway secret: %w", err)
	}
	conn, err := relaytest.Listen(relaytest.Options{Secrets: []string{secret}, RequireAuth: true, Logger: log, ForgetSent: true})
	if err != nil {
		return fmt.Errorf("bench relay: start the loopback connector: %w", err)
	}
	defer conn.Close()
	handshaken := make(chan struct{})
	var once sync.Once
	g, err := relay.NewGateway(relay.Config{
		URL: conn.URL(), GatewayID: "bench", Secret: relay.Secret(secret),
		Identities: []relay.Identity{{Platform: relay.DefaultPlatform}},
	}, relay.GatewayOptions{
		Fleet: fleet, Logger: log,
		Client: relay.ClientOptions{OnState: func(s relay.State) {
			if s == relay.StateHandshaken {
				once.Do(func() { close(handshaken) })
			}
		}},
	})
	if err != nil {
		return fmt.Errorf("bench relay: %w", err)
	}
	runCtx, stopGateway := context.WithCancel(context.WithoutCancel(ctx))
	defer stopGateway()
	runDone := make(chan error, 1)
	go func() { runDone <- g.Run(runCtx) }()
	timer := time.NewTimer(trialHandshakeTimeout)
	select {
	case <-handshaken:
		timer.Stop()
	case err := <-runDone:
		timer.Stop()
		return fmt.Errorf("bench relay: the gateway stopped before connecting: %w", errOrStopped(err))
	case <-timer.C:
		stopGateway()
		<-runDone
		return fmt.Errorf("bench relay: the gateway did not connect within %s", trialHandshakeTimeout)
	}

	d := &relayDriver{conn: conn, names: names, waiting: map[string]chan string{}}
	collectCtx, stopCollect := context.WithCancel(ctx)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		d.collect(collectCtx)
	}()
	// A first message per profile, not counted: each profile's first
	// handler and tool instances are created here, as after a boot.
	_, _, err = d.drive(ctx, "warm", len(names), len(names))
	// Then rounds of the closed-loop load. A profile's pools grow to the
	// most turns it has had at once, and coincidences of its two sessions'
	// turns are rare, so the first rounds still create instances (tens of
	// milliseconds of CPU each); the last round measures the steady state
	// a long-running gateway serves from.
	for round := 1; err == nil && round <= rounds; round++ {
		var lat []time.Duration
		var took time.Duration
		before, wsBefore := engine.PoolStats(), wsMessages(conn)
		lat, took, err = d.drive(ctx, "m"+strconv.Itoa(round)+"-", sessions, messages)
		if err != nil {
			break
		}
		after, wsAfter := engine.PoolStats(), wsMessages(conn)
		created := after.Created - before.Created
		if round < rounds {
			r.row(fmt.Sprintf("relay: round %d of %d (pools growing): throughput, instances created", round, rounds),
				fmt.Sprintf("%.0f msgs/s, %d", float64(messages)/took.Seconds(), created), "")
			continue
		}
		r.row("relay: messages per round, sessions, profiles", fmt.Sprintf("%d, %d, %d", messages, sessions, len(names)), "")
		r.row(fmt.Sprintf("relay: whole-path throughput (push to reply, /call whoami), round %d of %d", round, rounds), fmt.Sprintf("%.0f msgs/s", float64(messages)/took.Seconds()), "target ≥ 7,500/s")
		r.row(fmt.Sprintf("relay: push to reply at saturation (%d in flight), p50 / p99", sessions), pct(lat, 50).String()+" / "+pct(lat, 99).String(), "queueing: see below")
		r.row("relay: replies per WebSocket message to the connector (frames queued behind a write go out together)",
			fmt.Sprintf("%.2f", float64(messages)/float64(max(1, wsAfter-wsBefore))), "")
		r.row("relay: guest calls served by pooled instances", fmt.Sprintf("%d of %d (%d instances created)",
			after.Reused-before.Reused, after.Reused-before.Reused+created, created), "")
	}
	if err == nil && rate > 0 {
		n := min(rate*3, messages) // three seconds at most
		var lat []time.Duration
		before := engine.PoolStats()
		lat, err = d.paced(ctx, "r", sessions, n, rate)
		if err == nil {
			created := engine.PoolStats().Created - before.Created
			r.row(fmt.Sprintf("relay: push to reply at %d msgs/s offered, p50 / p99, instances created", rate),
				fmt.Sprintf("%s / %s, %d", pct(lat, 50), pct(lat, 99), created), "target p99 ≤ 10ms")
		}
	}
	stopGateway()
	if rerr := <-runDone; rerr != nil && err == nil {
		err = fmt.Errorf("bench relay: gateway: %w", rerr)
	}
	stopCollect()
	<-collected
	if n := d.unmatched(); n > 0 && err == nil {
		err = fmt.Errorf("bench relay: %d replies matched no message", n)
	}
	return err
}

// relayDriver pushes bench messages and matches the gateway's replies to
// them by reply_to.
type relayDriver struct {
	conn  *relaytest.Connector
	names []string

	mu      sync.Mutex
	waiting map[string]chan string // reply texts, by message id
	strays  int
}

// collect reads the gateway's outbound actions until ctx is done, handing
// each reply to the message it answers.
func (d *relayDriver) collect(ctx context.Context) {
	for {
		f, err := d.conn.Outbound(ctx)
		if err != nil {
			return
		}
		if f.Action.Op != "send" {
			continue
		}
		d.mu.Lock()
		ch, ok := d.waiting[f.Action.ReplyTo]
		delete(d.waiting, f.Action.ReplyTo)
		if !ok {
			d.strays++
		}
		d.mu.Unlock()
		if ok {
			ch <- f.Action.Content // buffered: never blocks
		}
	}
}

func (d *relayDriver) unmatched() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.strays
}

// drive sends messages over sessions sessions, each session sending its
// next message when the previous one was answered; it returns the latency
// of each message and the wall time of the whole run. Message ids are tag
// and a number.
func (d *relayDriver) drive(ctx context.Context, tag string, sessions, messages int) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, messages)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		failOnce sync.Once
		failed   error
	)
	start := time.Now()
	for s := range sessions {
		profile := d.names[s%len(d.names)]
		wg.Go(func() {
			for i := s; i < messages; i += sessions {
				took, err := d.roundTrip(ctx, profile, tag+"-"+strconv.Itoa(s), tag+strconv.Itoa(i))
				if err != nil {
					failOnce.Do(func() {
						failed = err
						cancel() // the other sessions stop too
					})
					return
				}
				lat[i] = took
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if failed != nil {
		return nil, 0, fmt.Errorf("bench relay: %w", failed)
	}
	return lat, took, nil
}

// paced sends messages at rate per second over sessions sessions, each
// when its time comes (not when the previous reply arrives), and returns
// each message's push-to-reply latency.
func (d *relayDriver) paced(ctx context.Context, tag string, sessions, messages, rate int) ([]time.Duration, error) {
	lat := make([]time.Duration, messages)
	errs := make(chan error, messages)
	interval := time.Second / time.Duration(rate)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range messages {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait) // pacing the load, not synchronising
		}
		s := i % sessions
		wg.Go(func() {
			took, err := d.roundTrip(ctx, d.names[s%len(d.names)], tag+"-"+strconv.Itoa(s), tag+strconv.Itoa(i))
			if err != nil {
				errs <- err
				return
			}
			lat[i] = took
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("bench relay: %w", err)
	}
	return lat, nil
}

// roundTrip pushes one /call whoami to profile in chat and waits for its
// reply, which must be that profile's.
func (d *relayDriver) roundTrip(ctx context.Context, profile, chat, id string) (time.Duration, error) {
	ch := make(chan string, 1)
	d.mu.Lock()
	d.waiting[id] = ch
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.waiting, id)
		d.mu.Unlock()
	}()
	in := relay.Inbound{Event: relay.Event{
		Text: "/call whoami {}", MessageType: "text", MessageID: id,
		Source: relay.Source{Platform: relay.DefaultPlatform, ChatID: chat, ChatType: "dm", UserID: "bench", Profile: profile},
	}}
	timer := time.NewTimer(benchReplyTimeout)
	defer timer.Stop()
	start := time.Now()
	if err := d.conn.Push(ctx, in); err != nil {
		return 0, fmt.Errorf("push message %s: %w", id, err)
	}
	select {
	case reply := <-ch:
		took := time.Since(start)
		if !strings.Contains(reply, `"profile":"`+profile+`"`) {
			return 0, fmt.Errorf("message %s to %s: reply %q is not that profile's whoami", id, profile, reply)
		}
		return took, nil
	case <-timer.C:
		return 0, fmt.Errorf("message %s to %s: no reply within %s", id, profile, benchReplyTimeout)
	case <-ctx.Done():
		return 0, fmt.Errorf("message %s to %s: %w", id, profile, ctx.Err())
	}
}

// wsMessages is how many WebSocket messages the gateway has sent the
// connector so far, over all its connections.
func wsMessages(c *relaytest.Connector) int {
	n := 0
	for _, cn := range c.Conns() {
		n += cn.Messages()
	}
	return n
}
