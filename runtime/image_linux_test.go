package runtime

import (
	"bytes"
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/internal/testcache"
)

// reservation maps n bytes read-write for a test, unmapped at its end.
func reservation(t *testing.T, n int) []byte {
	t.Helper()
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(b) })
	return b
}

// TestDataImageMatchesTheSegments: for every builtin module, the stripped
// module carries no data, and a memory with the image mapped holds
// byte-for-byte what applying the original's segments gives.
func TestDataImageMatchesTheSegments(t *testing.T) {
	for _, name := range []string{"whoami", "textkit", "handler", "interpolate"} {
		wasm, err := builtin.Module(name)
		if err != nil {
			t.Fatal(err)
		}
		stripped, img, ok := stripData(wasm)
		if !ok {
			t.Fatalf("%s: not stripped", name)
		}
		want := image(t, wasm)
		if got := image(t, stripped); !bytes.Equal(got, make([]byte, len(want))) {
			t.Fatalf("%s: the stripped module still writes data", name)
		}
		f, err := newImageFile(img, func() {})
		if err != nil {
			t.Fatal(err)
		}
		mem := reservation(t, len(want))
		if err := f.mapInto(mem); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(mem, want) {
			t.Fatalf("%s: the mapped memory differs from the segments' image", name)
		}
	}
}

// TestDataImageIsCopyOnWrite: a write into one memory's image is that
// memory's alone; another memory mapped before or after it, and the file,
// keep the module's bytes; and the file itself cannot be written.
func TestDataImageIsCopyOnWrite(t *testing.T) {
	img, f := whoamiImage(t)
	size := int(f.start + f.size)
	a, b := reservation(t, size), reservation(t, size)
	for _, m := range [][]byte{a, b} {
		if err := f.mapInto(m); err != nil {
			t.Fatal(err)
		}
	}
	at := img.offset + len(img.data)/2
	orig := bytes.Clone(a[at : at+64])
	copy(a[at:], bytes.Repeat([]byte{0xAB}, 64))
	c := reservation(t, size)
	if err := f.mapInto(c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[at:at+64], orig) || !bytes.Equal(c[at:at+64], orig) {
		t.Fatal("a write into one memory's image reached another memory")
	}
	got := make([]byte, 64)
	if _, err := unix.Pread(f.fd, got, int64(uint64(at)-f.start)); err != nil || !bytes.Equal(got, orig) {
		t.Fatalf("the file changed: %v", err)
	}
	if _, err := unix.Pwrite(f.fd, []byte{1}, 0); !errors.Is(err, unix.EPERM) {
		t.Fatalf("writing the sealed file: %v, want EPERM", err)
	}
}

// TestInstancesDoNotShareWrittenData: through the engine, a write into
// one instance's data (as a guest writing a global would make) is not seen
// by a new instance of the same module, for the same profile or another.
func TestInstancesDoNotShareWrittenData(t *testing.T) {
	ctx := context.Background()
	e, err := NewEngine(ctx, Options{CacheDir: testcache.Dir(), Audit: DiscardAudit{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	wasm, err := builtin.Module("whoami")
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.Compile(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	if m.image == nil {
		t.Fatal("the module was compiled with its data: no image to test")
	}
	_, img, _ := stripData(wasm)
	at := uint32(img.offset + len(img.data)/2)
	instance := func(profile string) *instance {
		limits := DefaultLimits()
		limits.Timeout = 30 * time.Second
		b := &binding{e: e, profile: profile, module: "whoami", sha: m.SHA256, limits: limits, log: e.log}
		in, err := e.newInstance(ctx, m, b, newScope(profile, "", nil, Globals{}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { in.close(ctx) })
		return in
	}
	first := instance("alice")
	orig, ok := first.mod.Memory().Read(at, 64)
	if !ok {
		t.Fatal("read")
	}
	orig = bytes.Clone(orig)
	if !bytes.Equal(orig, img.data[len(img.data)/2:len(img.data)/2+64]) {
		t.Fatal("a new instance does not start with the module's data")
	}
	first.mod.Memory().Write(at, bytes.Repeat([]byte{0xCD}, 64))
	for _, p := range []string{"alice", "bob"} {
		got, _ := instance(p).mod.Memory().Read(at, 64)
		if !bytes.Equal(got, orig) {
			t.Fatalf("a new instance for %s sees another instance's write", p)
		}
	}
}

// TestMemoryWithoutRoomForTheImageIsRefused: a memory whose first commit
// does not cover the module's data image is refused (a nil slice, which
// fails the instantiation), never handed to a guest without its data.
func TestMemoryWithoutRoomForTheImageIsRefused(t *testing.T) {
	img, f := whoamiImage(t)
	end := f.start + f.size
	a := &memoryAllocator{limit: 4 * (end + wasmPage), image: f}
	m := a.Allocate(0, a.limit).(*mmapMemory)
	defer m.unmap()
	short := (f.start + f.size/2) &^ (wasmPage - 1)
	if got := m.Reallocate(short); got != nil {
		t.Fatalf("a first commit of %d bytes, short of the image's end at %d, was accepted", short, end)
	}
	full := (end + wasmPage - 1) &^ (wasmPage - 1)
	got := m.Reallocate(full)
	if got == nil {
		t.Fatal("a commit covering the image was refused")
	}
	at := img.offset + len(img.data)/2
	if !bytes.Equal(got[at:at+64], img.data[len(img.data)/2:len(img.data)/2+64]) {
		t.Fatal("the image is not mapped after a commit that covers it")
	}
}

// whoamiImage is the data image of builtin:whoami and its sealed file.
func whoamiImage(t *testing.T) (dataImage, *imageFile) {
	t.Helper()
	wasm, err := builtin.Module("whoami")
	if err != nil {
		t.Fatal(err)
	}
	_, img, ok := stripData(wasm)
	if !ok {
		t.Fatal("not stripped")
	}
	f, err := newImageFile(img, func() {})
	if err != nil {
		t.Fatal(err)
	}
	return img, f
}
