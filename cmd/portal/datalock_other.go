//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "os"

// lockFile is a no-op where flock is unavailable: run one process per data
// folder there, or use PostgreSQL.
func lockFile(*os.File) error { return nil }
