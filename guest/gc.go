package guest

// GCPercent is the garbage collector's target a module built with this
// SDK starts with (Go's default is 100), set in a wasip1 build only. A
// guest's heap grows to the collector's goal before the first collection,
// at least 4 MiB times GCPercent/100, and in WebAssembly the pages it
// touched on the way stay resident for the instance's life: with 100, a
// pooled whoami instance grew from 2.3 MiB to 7.2 MiB resident within
// 10,000 calls; with 50 it stays near 5.2 MiB, for about a microsecond
// more per call (more frequent collections of a small heap). A module
// that prefers speed to density sets its own with debug.SetGCPercent in an
// init function of its main package, which runs after the SDK's.
const GCPercent = 50
