//go:build perfmap

package testcache

// warms is false in a test binary built with wazero's perfmap tag, for
// profiling guest code: a module loaded from the cache has no entry in
// /tmp/perf-PID.map, which wazero writes only when it compiles.
const warms = false
