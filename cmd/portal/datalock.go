package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// errDataDirBusy is returned when another process serves the same data folder.
var errDataDirBusy = errors.New("data folder in use")

// lockDataDir takes an exclusive lock on the SQLite data folder for as long
// as the process serves: a second process on the same file would run every
// background job again (each summary and notification mailed twice), and
// SQLite has no advisory lock to share the work. The operating system drops
// the lock when the process ends, however it ends, so a crash leaves nothing
// to clean up. release gives it back.
func lockDataDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder PORTAL_DATA_DIR=%s: %w", dir, err)
	}
	path := filepath.Join(dir, "portal.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errDataDirBusy) {
			return nil, fmt.Errorf("another portal process is already serving the data folder %s (PORTAL_DATA_DIR); "+
				"the embedded SQLite database allows one process: stop the other one, or set DATABASE_URL to a "+
				"PostgreSQL database to run several processes", dir)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
