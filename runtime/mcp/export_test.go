package mcp

// WithKernel returns opts with the kernel's confinement support replaced:
// tests of what happens where the kernel cannot confine.
func WithKernel(opts Options, landlockABI int, userNamespaces bool) Options {
	opts.probe = func() (int, bool) { return landlockABI, userNamespaces }
	return opts
}
