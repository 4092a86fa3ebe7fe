package runtime

import (
	"os"
	"syscall"
)

// statGeneration identifies path's content by inode, size, mtime and ctime
// (ctime changes with every write, even one that restores the mtime).
func statGeneration(path string) (generation, error) {
	var st syscall.Stat_t
	for {
		err := syscall.Stat(path, &st)
		switch err {
		case nil:
			return generation{exists: true, ino: st.Ino, size: st.Size,
				mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}, nil
		case syscall.ENOENT, syscall.ENOTDIR:
			return generation{}, nil
		case syscall.EINTR:
			continue
		}
		return generation{}, &os.PathError{Op: "stat", Path: path, Err: err}
	}
}
