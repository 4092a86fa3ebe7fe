package runtime

// NewScope builds a scope without a home, for tests of its lookups.
var NewScope = newScope
