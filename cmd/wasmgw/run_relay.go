package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/relaytest"
)

// The local trial's fixed identity: one gateway, one chat, one user.
const (
	trialGatewayID = "local-trial"
	trialChatID    = "local"
	trialUser      = "you"
	// trialHandshakeTimeout bounds the wait for the gateway's first
	// connection to the embedded connector.
	trialHandshakeTimeout = 30 * time.Second
	// trialReplyWait bounds, at the end of input, the wait for the replies
	// of the messages already sent.
	trialReplyWait = 2 * time.Minute
	// trialPushTimeout bounds the write of one frame to the gateway.
	trialPushTimeout = 10 * time.Second
)

// trialBanner is printed once the gateway is connected.
const trialBanner = "Serving profile %s through the gateway path over a loopback connector; type /help, /stop interrupts, /quit or EOF leaves.\n"

// trialDrainTimeout bounds how long a trial waits, on Ctrl-C or at the end
// of input, for a message still running: a person is waiting, not a
// connector (the gateway's default is relay.DefaultDrainTimeout).
const trialDrainTimeout = 3 * time.Second

// runRelay is "wasmgw run --relay": the profile served by the real gateway
// (relay.Gateway) against a connector embedded in this process on a
// loopback port, with this terminal as the chat. Each input line is an
// inbound message; every reply is printed as it arrives, so that /stop can
// interrupt a long turn. At the end of input the replies still due are
// awaited, then the gateway drains as on SIGTERM.
func runRelay(ctx context.Context, a *app, f *runFlags) error {
	o, err := startOps(a, &f.ops, &f.common)
	if err != nil {
		return err
	}
	defer o.close(ctx)
	b, err := bootWith(ctx, a, &f.common, []string{f.profile}, o)
	if err != nil {
		return err
	}
	defer b.close(context.WithoutCancel(ctx))
	o.booted(b)
	// SIGHUP and --watch reload the profile as they reload a gateway's.
	o.names = func() ([]string, error) { return []string{f.profile}, nil }
	stopReloads, err := o.serveReloads(ctx)
	if err != nil {
		return err
	}
	defer stopReloads()
	names := b.fleet.Names()
	if len(names) != 1 {
		return fmt.Errorf("run --relay: want one profile loaded, have %d (%v)", len(names), names)
	}
	profile := names[0]

	secret, err := randomHex(32)
	if err != nil {
		return fmt.Errorf("run --relay: gateway secret: %w", err)
	}
	conn, err := relaytest.Listen(relaytest.Options{Secrets: []string{secret}, RequireAuth: true, Logger: b.log})
	if err != nil {
		return fmt.Errorf("run --relay: start the loopback connector: %w", err)
	}
	defer conn.Close()

	handshaken := make(chan struct{})
	var once sync.Once
	cfg := relay.Config{
		URL: conn.URL(), GatewayID: trialGatewayID, Secret: relay.Secret(secret),
		Identities: []relay.Identity{{Platform: relay.DefaultPlatform}},
	}
	g, err := relay.NewGateway(cfg, o.gatewayOptions(relay.GatewayOptions{
		Fleet: b.fleet, Logger: b.log, DrainTimeout: trialDrainTimeout,
		Client: relay.ClientOptions{OnState: func(s relay.State) {
			if s == relay.StateHandshaken {
				once.Do(func() { close(handshaken) })
			}
		}},
	}))
	if err != nil {
		return fmt.Errorf("run --relay: %w", err)
	}
	o.attach(g)
	// The gateway's context is the command's: SIGINT or SIGTERM drains it
	// as it drains "wasmgw gateway".
	gwCtx, stopGateway := context.WithCancel(ctx)
	defer stopGateway()
	runDone := make(chan error, 1)
	go func() { runDone <- g.Run(gwCtx) }()

	t := &trial{
		a: a, conn: conn, profile: profile,
		out:     &lockedWriter{w: a.stdout},
		pending: map[string]bool{},
		acks:    make(chan string),
		runDone: runDone,
	}
	if err := t.waitHandshake(ctx, handshaken); err != nil || ctx.Err() != nil {
		stopGateway()
		if rerr := t.waitRun(); err == nil {
			err = rerr
		}
		return err
	}
	// Replies and acknowledgements are read until the gateway has stopped,
	// so that the replies of a drain are printed too.
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		t.printReplies(watchCtx)
	}()
	go t.readAcks(watchCtx)
	defer func() {
		stopWatch()
		<-printed
	}()

	fmt.Fprintf(t.out, trialBanner, profile)
	quit := make(chan struct{})
	defer close(quit)
	lines := make(chan string)
	scanned := make(chan error, 1) // the input's error, sent before lines closes
	go func() {
		defer close(lines)
		// A line too long for one message is refused, and the session
		// goes on (it used to end it: "token too long").
		lr := newLineReader(a.stdin, relaytest.MaxPushText)
		for n := 1; ; n++ {
			line, tooLong, err := lr.Next()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				scanned <- err
				return
			}
			if tooLong > 0 {
				fmt.Fprintf(a.stderr, "wasmgw run: line %d not sent: it is %d bytes, over the %d-byte limit of one message\n", n, tooLong, relaytest.MaxPushText)
				continue
			}
			select {
			case lines <- line:
			case <-quit:
				return
			}
		}
	}()

	if err := t.converse(ctx, lines); err != nil {
		stopGateway()
		_ = t.waitRun()
		return err
	}
	ok := true
	select {
	case err := <-scanned:
		if err != nil {
			fmt.Fprintf(a.stderr, "wasmgw run: reading input: %v\n", err)
			ok = false
		}
	default:
	}
	if !t.awaitReplies(ctx) {
		ok = false
	}
	stopGateway() // the gateway drains: going_idle, turns finish, close
	if err := t.waitRun(); err != nil {
		return err
	}
	if !ok {
		return &exitError{1}
	}
	return nil
}

// trial is the state of one "run --relay" session.
type trial struct {
	a       *app
	conn    *relaytest.Connector
	profile string
	out     *lockedWriter

	n       int             // messages sent
	pending map[string]bool // buffer ids sent and not yet acknowledged
	acks    chan string
	runDone chan error
	ran     bool // runDone was received
	runErr  error
}

// waitHandshake waits until the gateway's connection to the connector is
// handshaken.
func (t *trial) waitHandshake(ctx context.Context, handshaken <-chan struct{}) error {
	timer := time.NewTimer(trialHandshakeTimeout)
	defer timer.Stop()
	select {
	case <-handshaken:
		return nil
	case err := <-t.runDone:
		t.ran, t.runErr = true, err
		return fmt.Errorf("run --relay: the gateway stopped before connecting: %w", errOrStopped(err))
	case <-ctx.Done():
		return nil // the caller sees ctx and stops
	case <-timer.C:
		return fmt.Errorf("run --relay: the gateway did not connect to the loopback connector within %s", trialHandshakeTimeout)
	}
}

// converse sends each input line until the end of input, /quit, or ctx.
func (t *trial) converse(ctx context.Context, lines <-chan string) error {
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(t.a.stderr, "wasmgw run: stopping: the gateway drains")
			return nil
		case id := <-t.acks:
			delete(t.pending, id)
		case err := <-t.runDone:
			t.ran, t.runErr = true, err
			return fmt.Errorf("run --relay: the gateway stopped: %w", errOrStopped(err))
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			switch text := strings.TrimSpace(line); text {
			case "":
			case "/quit", "/exit":
				return nil
			case "/stop":
				if err := t.stop(); err != nil {
					return err
				}
			default:
				if err := t.send(text); err != nil {
					return err
				}
			}
		}
	}
}

// event is the trial's inbound event for text: a DM from "you" in the
// local chat, stamped with the profile.
func (t *trial) event(id, text string) relay.Event {
	return relay.Event{
		Text: text, MessageType: "text", MessageID: id,
		Source: relay.Source{
			Platform: relay.DefaultPlatform, ChatID: trialChatID, ChatType: "dm",
			UserID: trialUser, UserName: trialUser, Profile: t.profile,
		},
	}
}

// send pushes one message, as a buffered delivery so that the gateway
// acknowledges it once its reply was handed off.
func (t *trial) send(text string) error {
	t.n++
	in := relay.Inbound{Event: t.event(strconv.Itoa(t.n), text), BufferID: "b-" + strconv.Itoa(t.n)}
	ctx, cancel := context.WithTimeout(context.Background(), trialPushTimeout)
	defer cancel()
	if err := t.conn.Push(ctx, in); err != nil {
		return fmt.Errorf("run --relay: send message %d: %w", t.n, err)
	}
	t.pending[in.BufferID] = true
	return nil
}

// stop sends interrupt_inbound for the trial's session, as a connector
// does for a user's /stop.
func (t *trial) stop() error {
	if len(t.pending) == 0 {
		fmt.Fprintln(t.out, "(nothing is running)")
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), trialPushTimeout)
	defer cancel()
	if err := t.conn.PushInterrupt(ctx, relay.SessionKey(t.event("", "")), trialChatID); err != nil {
		return fmt.Errorf("run --relay: send the interrupt: %w", err)
	}
	return nil
}

// awaitReplies waits until every message sent was acknowledged (its reply
// handed off), at most trialReplyWait; it reports whether all were.
func (t *trial) awaitReplies(ctx context.Context) bool {
	if len(t.pending) == 0 || t.ran {
		return true
	}
	timer := time.NewTimer(trialReplyWait)
	defer timer.Stop()
	for len(t.pending) > 0 {
		select {
		case id := <-t.acks:
			delete(t.pending, id)
		case err := <-t.runDone:
			t.ran, t.runErr = true, err
			return true // waitRun reports it
		case <-ctx.Done():
			fmt.Fprintln(t.a.stderr, "wasmgw run: stopping: the gateway drains")
			return true
		case <-timer.C:
			fmt.Fprintf(t.a.stderr, "wasmgw run: %d message(s) still without a reply after %s; stopping the gateway\n", len(t.pending), trialReplyWait)
			return false
		}
	}
	return true
}

// waitRun waits for the gateway's Run to return and reports a failure.
func (t *trial) waitRun() error {
	if !t.ran {
		t.runErr, t.ran = <-t.runDone, true
	}
	if errors.Is(t.runErr, relay.ErrRevoked) {
		return fmt.Errorf("run --relay: the loopback connector revoked the gateway: %w", t.runErr)
	}
	if t.runErr != nil {
		return fmt.Errorf("run --relay: gateway: %w", t.runErr)
	}
	return nil
}

// errOrStopped names a nil error from a gateway that stopped by itself.
func errOrStopped(err error) error {
	if err == nil {
		return errors.New("stopped without an error")
	}
	return err
}

// printReplies prints every send action of the gateway until ctx is done,
// then those already received.
func (t *trial) printReplies(ctx context.Context) {
	for {
		f, err := t.conn.Outbound(ctx)
		if err != nil {
			for {
				f, ok := t.conn.PendingOutbound()
				if !ok {
					return
				}
				t.print(f.Action.Op, f.Action.Content)
			}
		}
		t.print(f.Action.Op, f.Action.Content)
	}
}

// print shows the text of a send action (op "send"); other ops are not
// shown.
func (t *trial) print(op, content string) {
	if op != "send" {
		return
	}
	prefix := t.profile + ": "
	text := strings.ReplaceAll(content, "\n", "\n"+strings.Repeat(" ", len(prefix)))
	fmt.Fprintln(t.out, prefix+text)
}

// readAcks forwards the gateway's inbound_acks to the conversation until
// ctx is done.
func (t *trial) readAcks(ctx context.Context) {
	for {
		id, err := t.conn.InboundAck(ctx)
		if err != nil {
			return
		}
		select {
		case t.acks <- id:
		case <-ctx.Done():
			return
		}
	}
}

// lockedWriter serialises writes from the conversation and the reply
// printer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write implements io.Writer.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
