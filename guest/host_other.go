//go:build !wasip1

package guest

func hostSecretGet(string, []byte) int32 { return noHost }

func hostSelf([]byte) int32 { return noHost }

func hostLog(int32, string, []byte) {}

func hostHTTPFetch([]byte, []byte) int32 { return noHost }

func hostResultRead([]byte) int32 { return noHost }
