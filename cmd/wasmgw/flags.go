package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
)

func abiVersion() int { return abi.Version }

// newFlagSet returns a flag set whose usage prints usageLine and about.
func newFlagSet(name, usageLine, about string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	fs.BoolP("help", "h", false, "show this help")
	fs.SetAnnotation("help", "usage", []string{"wasmgw " + name + " " + usageLine, about})
	return fs
}

// parse parses args, printing help on --help (returning a zero exit) and a
// clear message on a bad flag (exit status 2).
func parse(fs *pflag.FlagSet, a *app, args []string) error {
	err := fs.Parse(args)
	if help, _ := fs.GetBool("help"); help || errors.Is(err, pflag.ErrHelp) {
		printHelp(a.stdout, fs)
		return &exitError{0}
	}
	if err == nil && fs.NArg() > 0 {
		// Every input of every command is a flag: a stray word (a typo,
		// a forgotten --profile) is an error, not silently ignored.
		err = fmt.Errorf("unexpected argument %q (every input is a flag, e.g. --profile NAME)", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "wasmgw %s: %v\n", fs.Name(), err)
		fmt.Fprintf(a.stderr, "Run 'wasmgw %s --help' for usage.\n", fs.Name())
		return &exitError{2}
	}
	return nil
}

func printHelp(w io.Writer, fs *pflag.FlagSet) {
	ann := fs.Lookup("help").Annotations["usage"]
	// pflag marks every boolean flag "[=true|false]": noise for a reader
	// (a boolean flag is set by naming it); blanked, keeping the columns.
	usages := strings.ReplaceAll(fs.FlagUsages(), "[=true|false]", strings.Repeat(" ", len("[=true|false]")))
	fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags:\n%s\n", ann[0], ann[1], strings.TrimRight(usages, "\n"))
}

// common holds the flags every command that loads a home shares.
type common struct {
	home      string
	cacheDir  string
	logLevel  string
	logFormat string
	// maxModule is --max-module-size as written.
	maxModule string
}

func (c *common) register(fs *pflag.FlagSet, defaultLevel string) {
	c.registerOnly(fs, defaultLevel, true, true)
}

// registerOnly registers the common flags a command uses: a command that
// reads no home has no --home, one that compiles nothing no --cache-dir
// (a flag that does nothing is an error, not silently accepted).
func (c *common) registerOnly(fs *pflag.FlagSet, defaultLevel string, home, cache bool) {
	if home {
		fs.StringVar(&c.home, "home", "", "gateway home directory (default $WASMGW_HOME, else ~/.wasmgw)")
	}
	if cache {
		fs.StringVar(&c.cacheDir, "cache-dir", "", "compilation cache directory (default <user cache dir>/wasmgw/compile; \"off\" disables it)")
	}
	fs.StringVar(&c.logLevel, "log-level", defaultLevel, "log level: debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.maxModule, "max-module-size", "32MiB", "largest module file loaded; a larger one is refused before it is read or compiled (e.g. 16MiB, 64MB)")
}

// maxModuleSize returns --max-module-size in bytes.
func (c *common) maxModuleSize() (uint64, error) {
	if c.maxModule == "" {
		return runtime.DefaultMaxModuleSize, nil
	}
	n, err := runtime.ParseSize(c.maxModule)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("--max-module-size %q: want a size such as 32MiB or 64MB", c.maxModule)
	}
	return n, nil
}

// logger builds the command's logger on stderr.
func (c *common) logger(a *app) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(a.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(a.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", c.logFormat)
}

// cache returns the compilation cache directory to use ("" for none).
func (c *common) cache(a *app) string {
	switch c.cacheDir {
	case "off":
		return ""
	case "":
		if dir, err := os.UserCacheDir(); err == nil {
			return filepath.Join(dir, "wasmgw", "compile")
		}
		if home := a.getenv("HOME"); home != "" {
			return filepath.Join(home, ".cache", "wasmgw", "compile")
		}
		return ""
	}
	return c.cacheDir
}

// openHomeFor opens the home a command on profile uses. A profile given as
// a path (./p, /srv/x/profiles/p) needs no other home: when neither --home
// nor WASMGW_HOME names one, its home is the directory above its
// profiles/ directory, else its parent.
func (c *common) openHomeFor(a *app, profile string) (*runtime.Home, error) {
	pathForm := strings.ContainsRune(profile, filepath.Separator) || strings.HasPrefix(profile, ".")
	if !pathForm || c.home != "" || a.getenv("WASMGW_HOME") != "" {
		return c.openHome(a)
	}
	abs, err := filepath.Abs(profile)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", profile, err)
	}
	dir := filepath.Dir(abs)
	if filepath.Base(dir) == "profiles" {
		dir = filepath.Dir(dir)
	}
	allow := runtime.DefaultGlobalAllowlist
	if v := strings.TrimSpace(a.getenv("WASMGW_GLOBAL_ALLOWLIST")); v != "" {
		allow = v
	}
	return runtime.OpenHome(dir, runtime.NewGlobals(a.environ, allow))
}

// openHome resolves and opens the home with the global allowlist snapshot.
func (c *common) openHome(a *app) (*runtime.Home, error) {
	dir, err := runtime.ResolveHome(c.home, a.getenv)
	if err != nil {
		return nil, err
	}
	allow := runtime.DefaultGlobalAllowlist
	if v := strings.TrimSpace(a.getenv("WASMGW_GLOBAL_ALLOWLIST")); v != "" {
		allow = v
	}
	return runtime.OpenHome(dir, runtime.NewGlobals(a.environ, allow))
}
