// Command warmcache compiles WebAssembly modules into a wasmgw compilation
// cache directory: the files named on its command line and, with
// -builtins, every built-in module.
//
//	warmcache -cache DIR [-builtins] [FILE.wasm ...]
//
// Package testcache builds and runs it without the race detector, so that
// test binaries built with -race load the big Go modules from the cache
// rather than compile them with an instrumented compiler. It compiles
// through runtime.Engine.Compile, the path every engine takes, so the
// cache holds what a test's engine would have written.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/builtin"
)

func main() {
	cache := flag.String("cache", "", "the compilation cache directory to fill (required)")
	builtins := flag.Bool("builtins", false, "also compile every built-in module")
	flag.Parse()
	if err := warm(context.Background(), *cache, *builtins, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "warmcache:", err)
		os.Exit(1)
	}
}

func warm(ctx context.Context, cache string, builtins bool, files []string) error {
	if cache == "" {
		return fmt.Errorf("-cache is required")
	}
	e, err := runtime.NewEngine(ctx, runtime.Options{CacheDir: cache, Audit: runtime.DiscardAudit{}})
	if err != nil {
		return err
	}
	defer e.Close(ctx)
	if builtins {
		for _, name := range builtin.Names() {
			wasm, err := builtin.Module(name)
			if err != nil {
				return err
			}
			if _, err := e.Compile(ctx, wasm); err != nil {
				return fmt.Errorf("builtin:%s: %w", name, err)
			}
		}
	}
	for _, f := range files {
		wasm, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := e.Compile(ctx, wasm); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}
