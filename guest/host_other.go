//go:build !wasip1

package guest

func hostSecretGet(string, []byte) int32 { return noHost }

func hostSelf([]byte) int32 { return noHost }

func hostLog(int32, string, []byte) {}

func hostHTTPFetch([]byte, []byte) int32 { return noHost }

func hostResultRead([]byte) int32 { return noHost }

// SetOutput hands the bytes of the current call's result to the host; outside
// a host it does nothing and returns an error code.
func SetOutput([]byte) int32 { return noHost }

// Take returns nil outside a host.
func Take(p, n uint32) []byte { return nil }

// Respond returns the status an export would return for out and err.
func Respond(out []byte, err error) int32 {
	if err != nil {
		return 1
	}
	return 0
}
