package mcp

import (
	"io"
	"sync"
)

// drainOnClose is a stdio child's stdout as the MCP session reads it.
// Closing the session must not close the pipe: a child still writing (a
// server flushing its output as it shuts down) would get EPIPE, and Node
// servers print a stack trace for it on every shutdown. Close instead keeps
// reading, and discards, until the child closes its end (it exits) or the
// process's Wait closes the pipe.
type drainOnClose struct {
	r    io.Reader
	once sync.Once
}

func (d *drainOnClose) Read(p []byte) (int, error) { return d.r.Read(p) }

// Close implements io.Closer.
func (d *drainOnClose) Close() error {
	d.once.Do(func() { go func() { _, _ = io.Copy(io.Discard, d.r) }() })
	return nil
}
