package runtime

import (
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A module's data image, mapped copy-on-write into each instance.
//
// Copying a Go guest's 1.3 MiB of data into every new instance costs a
// page fault per page of fresh memory (15.8 µs a page on the VM of
// docs/performance.md, about 5 ms an instance), and each instance keeps
// its own copy. Instead the image is written once per module into a
// sealed memory file, and an instance's memory maps it privately over the
// image's pages: a page the guest only reads is the file's page, shared
// by every instance; a page it writes is copied then, for that instance
// alone (MAP_PRIVATE: the file, and so every other instance, never sees
// the write). The seals make the file immutable from the start.

// imageSupported reports whether this platform maps data images.
const imageSupported = true

// imageFile is a module's data image in a sealed memory file. Its first
// byte belongs at linear-memory address start (a page boundary); size is
// a whole number of pages.
type imageFile struct {
	fd          int
	start, size uint64
}

// newImageFile writes img into a new sealed memory file. The file is
// closed, and done called, when the imageFile is unreachable.
func newImageFile(img dataImage, done func()) (*imageFile, error) {
	page := uint64(os.Getpagesize())
	start := uint64(img.offset) &^ (page - 1)
	end := (uint64(img.offset+len(img.data)) + page - 1) &^ (page - 1)
	fd, err := unix.MemfdCreate("wasmgw-data", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("data image: memfd_create: %w", err)
	}
	f := &imageFile{fd: fd, start: start, size: end - start}
	if err := f.fill(img.data, int64(uint64(img.offset)-start)); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	goruntime.AddCleanup(f, func(fd int) {
		_ = unix.Close(fd)
		done()
	}, fd)
	return f, nil
}

// fill sizes the file, writes data at off and seals it.
func (f *imageFile) fill(data []byte, off int64) error {
	if err := unix.Ftruncate(f.fd, int64(f.size)); err != nil {
		return fmt.Errorf("data image: size: %w", err)
	}
	for len(data) > 0 {
		n, err := unix.Pwrite(f.fd, data, off)
		if err != nil {
			return fmt.Errorf("data image: write: %w", err)
		}
		if n == 0 {
			return errors.New("data image: write: no progress")
		}
		data, off = data[n:], off+int64(n)
	}
	seals := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(uintptr(f.fd), unix.F_ADD_SEALS, seals); err != nil {
		return fmt.Errorf("data image: seal: %w", err)
	}
	return nil
}

// mapInto maps the image privately over its pages of mem, a reservation
// whose first committed bytes cover them.
func (f *imageFile) mapInto(mem []byte) error {
	if f.start+f.size > uint64(len(mem)) {
		return fmt.Errorf("data image: %d bytes at %d do not fit a memory of %d", f.size, f.start, len(mem))
	}
	addr := unsafe.Pointer(&mem[f.start])
	_, err := unix.MmapPtr(f.fd, 0, addr, uintptr(f.size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED)
	if err != nil {
		return fmt.Errorf("data image: map: %w", err)
	}
	return nil
}
