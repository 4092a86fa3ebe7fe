package mcp

// WithKernel returns opts with the kernel's confinement support replaced:
// tests of what happens where the kernel cannot confine.
func WithKernel(opts Options, landlockABI int, userNamespaces bool) Options {
	opts.probe = func() (int, bool) { return landlockABI, userNamespaces }
	return opts
}

// ScratchDir is scratchDir: where the tests look for a server's scratch
// directory.
func ScratchDir(opts Options, name string) string { return scratchDir(opts, name) }
