package main

// extraCommands lists the commands beyond run and version; each lives in its
// own file.
func extraCommands() []command {
	return nil
}
