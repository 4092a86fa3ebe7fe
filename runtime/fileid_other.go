//go:build !unix

package runtime

import "os"

// fileID returns 0: this platform's file information carries no inode, so
// a file replaced in place is noticed by its size and mtime only.
func fileID(os.FileInfo) uint64 { return 0 }
