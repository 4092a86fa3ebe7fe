package mcp

import (
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// process is a stdio server's child in its own process group. A watcher
// notices its exit, kills whatever is left of its group while the group id
// is still held by the (unreaped) leader, then reaps it: no orphans, and no
// signal ever reaches a recycled process id.
type process struct {
	cmd  *exec.Cmd
	pgid int

	mu     sync.Mutex
	reaped bool
	done   chan struct{}
	err    error
}

// pipeDrain bounds how long reaping waits for the child's stderr to be
// drained after it exited (a descendant that escaped its group may hold it).
const pipeDrain = 2 * time.Second

// startProcess starts cmd in a new process group and watches it. cmd must
// have its Env set (never nil) and its pipes attached.
func startProcess(cmd *exec.Cmd) (*process, error) {
	if cmd.Env == nil {
		return nil, fmt.Errorf("refusing to start a child with the host's environment")
	}
	attr := sysProcAttr()
	if cmd.SysProcAttr != nil {
		keepNamespaces(attr, cmd.SysProcAttr)
	}
	cmd.SysProcAttr = attr
	cmd.WaitDelay = pipeDrain
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, pgid: cmd.Process.Pid, done: make(chan struct{})}
	go p.watch()
	return p, nil
}

func (p *process) watch() {
	if waitExited(p.cmd.Process.Pid) {
		// The leader is a zombie now, still holding its group id: kill the
		// descendants left in the group before reaping it.
		p.mu.Lock()
		killGroup(p.pgid, syscall.SIGKILL)
		p.mu.Unlock()
	}
	err := p.cmd.Wait()
	p.mu.Lock()
	p.reaped = true
	p.err = err
	p.mu.Unlock()
	close(p.done)
}

// signal sends sig to the whole group while its leader is not reaped.
func (p *process) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.reaped {
		killGroup(p.pgid, sig)
	}
}

// stop ends the child as the MCP specification asks: the caller has closed
// its stdin; stop waits up to grace for it to exit, then sends SIGTERM to
// its group, waits up to grace again, then SIGKILL. It returns once the
// child is reaped.
func (p *process) stop(grace time.Duration) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t := time.NewTimer(grace)
		select {
		case <-p.done:
			t.Stop()
			return
		case <-t.C:
		}
		p.signal(sig)
	}
	<-p.done
}

// lineWriter prefixes every line a child writes to its stderr with the
// time and the server's name, and passes it through redact, into w with one
// Write per line (w may be shared by the servers of a profile).
type lineWriter struct {
	w      io.Writer
	prefix string
	redact func(string) string
	now    func() time.Time
	buf    []byte
}

// maxLine bounds one buffered stderr line.
const maxLine = 16 << 10

// Write implements io.Writer: complete lines are written at once, a
// partial one is kept until its end arrives (or it grows too long).
func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := indexByte(l.buf, '\n')
		if i < 0 {
			if len(l.buf) > maxLine {
				l.emit(l.buf)
				l.buf = l.buf[:0]
			}
			return len(p), nil
		}
		l.emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func (l *lineWriter) emit(line []byte) {
	text := string(line)
	if l.redact != nil {
		text = l.redact(text)
	}
	_, _ = l.w.Write([]byte(l.now().UTC().Format(time.RFC3339) + " " + l.prefix + " " + text + "\n"))
}

// flush writes a last unterminated line.
func (l *lineWriter) flush() {
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = l.buf[:0]
	}
}

// termSignal asks a child to stop.
const termSignal = syscall.SIGTERM
