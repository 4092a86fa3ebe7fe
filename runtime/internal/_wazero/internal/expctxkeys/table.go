package expctxkeys

// TableCeiling is a context.Context Value key. Its associated value should
// be an int: the most elements table.grow may grow a table to.
type TableCeiling struct{}
