package suite

import (
	"os"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestMain gives the package's tests one scratch directory (compilation
// cache, built modules), removed when they end.
func TestMain(m *testing.M) { os.Exit(runtimetest.Main(m)) }
