package expctxkeys

// CallStackCeiling is a context.Context Value key. Its associated value
// should be an int: the most bytes a call's stack may grow to.
type CallStackCeiling struct{}
