package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// folder keeps each key as a file under root (files/…, thumbs/…).
type folder struct {
	root      string
	createDir bool // create root on first write (create_dir=1)
	url       string
}

// newFolder reads file:///path?create_dir=1. The query words of the
// storage library the portal used before (no_tmp_dir, metadata=skip) are
// accepted so that existing settings keep working; this store does both
// always: temporary files beside their final place, no metadata files.
func newFolder(u *url.URL) (*folder, error) {
	if u.Path == "" {
		return nil, errors.New("no folder: write file:///absolute/folder")
	}
	f := &folder{root: filepath.FromSlash(u.Path), url: redacted(u)}
	for param, values := range u.Query() {
		switch param {
		case "create_dir":
			v, err := strconv.ParseBool(values[0])
			if err != nil {
				return nil, fmt.Errorf("create_dir=%q: want 1 or 0", values[0])
			}
			f.createDir = v
		case "no_tmp_dir", "metadata":
		default:
			return nil, fmt.Errorf("unknown query parameter %q (a folder takes create_dir)", param)
		}
	}
	return f, nil
}

func (f *folder) URL() string  { return f.url }
func (f *folder) Close() error { return nil }

func (f *folder) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(f.root, filepath.FromSlash(key)), nil
}

// Put writes a temporary file beside the final place and renames it, so a
// reader never sees half a file and the rename never crosses devices. The
// folder itself must exist (or create_dir be set): a volume that is not
// mounted yet must fail the upload, not fill the disk under it.
func (f *folder) Put(_ context.Context, key string, r io.ReadSeeker, _ string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if f.createDir {
		if err := os.MkdirAll(f.root, 0o750); err != nil {
			return fmt.Errorf("attachments: create folder %s: %w", f.root, err)
		}
	} else if _, err := os.Stat(f.root); err != nil {
		return fmt.Errorf("attachments: write %s: %w", key, err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("attachments: write %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return fmt.Errorf("attachments: write %s: %w", key, err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	_, err = io.Copy(tmp, r)
	if err == nil {
		// The database row that names the file commits next; the file
		// must outlive a crash that follows.
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		return fmt.Errorf("attachments: write %s: %w", key, err)
	}
	return nil
}

func (f *folder) Open(_ context.Context, key string) (File, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("attachments: read %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("attachments: read %s: %w", key, err)
	}
	return file, nil
}

func (f *folder) Exists(_ context.Context, key string) (bool, error) {
	p, err := f.path(key)
	if err != nil {
		return false, err
	}
	switch _, err := os.Stat(p); {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("attachments: look for %s: %w", key, err)
	}
}

func (f *folder) Delete(_ context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("attachments: delete %s: %w", key, err)
	}
	return nil
}

// List walks files/ and thumbs/, leaving out the temporary files of writes
// still under way (their names start with a dot).
func (f *folder) List(ctx context.Context, fn func(Stored) error) error {
	var fnErr error // fn's own error, returned as it is
	for _, prefix := range []string{filePrefix, thumbPrefix} {
		dir := filepath.Join(f.root, filepath.FromSlash(strings.TrimSuffix(prefix, "/")))
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return filepath.SkipDir // nothing stored yet
			}
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			info, err := d.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while listing
			}
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(f.root, p)
			if err != nil {
				return err
			}
			if err := fn(Stored{Key: filepath.ToSlash(rel), ModTime: info.ModTime()}); err != nil {
				fnErr = err
				return err
			}
			return nil
		})
		if fnErr != nil {
			return fnErr
		}
		if err != nil {
			return fmt.Errorf("attachments: list %s: %w", prefix, err)
		}
	}
	return nil
}
