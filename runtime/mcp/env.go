package mcp

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BaselineNames returns the host variables a stdio server gets, taken from
// the environment snapshot the host was given (never from os.Getenv at call
// time), plus every XDG_* variable. Nothing else of the host environment
// reaches a child. The list is a policy: it is fixed here, and each call
// returns a new copy.
func BaselineNames() []string {
	return []string{"PATH", "HOME", "USER", "LANG", "LC_ALL", "TERM", "SHELL", "TMPDIR"}
}

// inBaseline reports whether a host variable is passed to stdio servers.
func inBaseline(name string) bool {
	switch name {
	case "PATH", "HOME", "USER", "LANG", "LC_ALL", "TERM", "SHELL", "TMPDIR":
		return true
	}
	return strings.HasPrefix(name, "XDG_") && len(name) > len("XDG_")
}

// Baseline returns the baseline variables found in environ (os.Environ
// form, "K=V"; the last of duplicates wins).
func Baseline(environ []string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && inBaseline(k) {
			m[k] = v
		}
	}
	return m
}

// buildEnv returns the environment of a stdio server: the baseline of
// environ, then the server's env over it, sorted, in os/exec form. It is
// never nil, so that a child never inherits the host's environment.
func buildEnv(environ []string, env map[string]string) []string {
	m := Baseline(environ)
	for k, v := range env {
		m[k] = v
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// envValue returns the value of name in an os/exec environment.
func envValue(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
			return v
		}
	}
	return ""
}

// errNotFound: the command is not in the server's PATH.
var errNotFound = errors.New("not found in the server's PATH")

// resolveCommand finds a stdio server's executable the way a shell would
// for the child: "~/" is its HOME; a name without a slash is searched in
// the child's PATH (absolute entries only: a relative entry would depend on
// the host's working directory); a relative path is relative to dir.
func resolveCommand(command string, env []string, dir string) (string, error) {
	if rest, ok := strings.CutPrefix(command, "~/"); ok {
		home := envValue(env, "HOME")
		if home == "" {
			return "", errors.New("starts with ~/ but the server has no HOME")
		}
		command = filepath.Join(home, rest)
	}
	if strings.ContainsRune(command, '/') {
		if !filepath.IsAbs(command) {
			command = filepath.Join(dir, command)
		}
		return command, executable(command)
	}
	for _, d := range filepath.SplitList(envValue(env, "PATH")) {
		if !filepath.IsAbs(d) {
			continue
		}
		p := filepath.Join(d, command)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", errNotFound
}

func executable(path string) error {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return errNotFound
	case st.IsDir():
		return errors.New("is a directory")
	case st.Mode()&0o111 == 0:
		return fs.ErrPermission
	}
	return nil
}
