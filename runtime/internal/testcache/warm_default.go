//go:build !perfmap

package testcache

// warms says whether Dir fills the cache ahead of the tests (see
// warm_perfmap.go for when it does not).
const warms = true
