//go:build wasip1

package guest

import "runtime/debug"

func init() { debug.SetGCPercent(GCPercent) }
