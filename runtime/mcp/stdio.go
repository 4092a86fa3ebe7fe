package mcp

import (
	"fmt"
	"os/exec"
	"path/filepath"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// startChild starts the stdio server with its built environment.
func (c *Conn) startChild(opts Options) (sdk.Transport, error) {
	env := buildEnv(opts.Environ, c.cfg.Env)
	dir := opts.Dir
	if c.cfg.Cwd != "" {
		dir = c.cfg.Cwd
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(opts.Dir, dir)
		}
	}
	path, err := resolveCommand(c.cfg.Command, env, dir)
	if err != nil {
		return nil, fmt.Errorf("command: %w", err)
	}
	cmd := &exec.Cmd{Path: path, Args: append([]string{c.cfg.Command}, c.cfg.Args...), Env: env, Dir: dir}
	if !c.cfg.Sandbox.TrustHost {
		if err := c.confine(cmd, opts, env); err != nil {
			return nil, err
		}
	}
	if opts.Stderr != nil {
		c.stderr = &lineWriter{w: opts.Stderr, prefix: "[" + c.cfg.Name + "]", redact: opts.Redact, now: opts.Now}
		cmd.Stderr = c.stderr
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if c.proc, err = startProcess(cmd); err != nil && c.confined != "" && nsRefused(err) {
		// The kernel refused the namespaces: Landlock alone still
		// confines the server (the audit and the log say so).
		retry := &exec.Cmd{Path: path, Args: append([]string{c.cfg.Command}, c.cfg.Args...), Env: env, Dir: dir}
		if err := c.confineWith(retry, opts, env, true); err != nil {
			return nil, err
		}
		retry.Stderr = cmd.Stderr
		if stdin, err = retry.StdinPipe(); err != nil {
			return nil, err
		}
		if stdout, err = retry.StdoutPipe(); err != nil {
			return nil, err
		}
		c.proc, err = startProcess(retry)
	}
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	if c.stderr != nil {
		how := "unconfined (trust: host)"
		if c.confined != "" {
			how = "confined: " + c.confined
		}
		c.stderr.emitMarker(fmt.Sprintf("started pid %d, %s", c.proc.pgid, how))
	}
	return &sdk.IOTransport{Reader: &drainOnClose{r: stdout}, Writer: stdin}, nil
}

func (l *lineWriter) emitMarker(msg string) { l.emit([]byte("===== " + msg + " =====")) }
