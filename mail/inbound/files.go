package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/models"
)

// attachmentLimits are the workspace's limits (Settings), as the composer
// applies them; the defaults if the workspace cannot be read.
func attachmentLimits(ctx context.Context, db bun.IDB) attachments.Limits {
	lim := attachments.Limits{MaxFileBytes: attachments.DefaultMaxFileBytes, MaxFiles: attachments.DefaultMaxFiles}
	lim.Blocked, _ = attachments.ParseBlocked(attachments.DefaultBlocked)
	ws, err := models.CachedWorkspace(ctx, db)
	if err != nil {
		return lim
	}
	if ws.AttachMaxFileBytes > 0 {
		lim.MaxFileBytes = ws.AttachMaxFileBytes
	}
	if ws.AttachMaxFiles > 0 {
		lim.MaxFiles = ws.AttachMaxFiles
	}
	lim.Blocked, _ = attachments.ParseBlocked(ws.AttachBlocked)
	return lim
}

// storeFiles checks each attachment as an upload is checked and stores
// those that pass; refused ones are named with why.
func (c Config) storeFiles(ctx context.Context, fs []file, lim attachments.Limits) (stored []models.NewAttachment, refused []string, err error) {
	for _, f := range fs {
		if len(stored) >= lim.MaxFiles {
			refused = append(refused, fmt.Sprintf("%s (more than %d files)", f.name, lim.MaxFiles))
			continue
		}
		in, err := attachments.Inspect(bytes.NewReader(f.data), int64(len(f.data)), f.name, lim)
		switch {
		case errors.Is(err, attachments.ErrEmpty):
			refused = append(refused, in.Name+" (empty)")
			continue
		case errors.Is(err, attachments.ErrTooLarge):
			refused = append(refused, fmt.Sprintf("%s (larger than %s)", in.Name, models.ByteSizeText(lim.MaxFileBytes)))
			continue
		case errors.Is(err, attachments.ErrBlocked):
			refused = append(refused, in.Name+" (programs and scripts are refused)")
			continue
		case err != nil:
			c.discard(ctx, stored)
			return nil, nil, err
		}
		if c.Files == nil {
			refused = append(refused, in.Name+" (no file storage)")
			continue
		}
		out := models.NewAttachment{Name: in.Name, Size: in.Size, ContentType: in.ContentType, SHA256: in.SHA256,
			StorageKey: attachments.NewFileKey(), Width: in.Width, Height: in.Height, Inline: in.Inline}
		if err := c.Files.Put(ctx, out.StorageKey, bytes.NewReader(f.data), "application/octet-stream"); err != nil {
			c.discard(ctx, append(stored, out))
			return nil, nil, err
		}
		if in.Thumb != nil {
			out.ThumbKey = attachments.ThumbKey(out.StorageKey)
			if err := c.Files.Put(ctx, out.ThumbKey, bytes.NewReader(in.Thumb), "image/png"); err != nil {
				c.discard(ctx, append(stored, out))
				return nil, nil, err
			}
		}
		stored = append(stored, out)
	}
	return stored, refused, nil
}

// discard deletes stored files whose message was not written; a failure
// leaves an orphan that the clean-up job deletes.
func (c Config) discard(ctx context.Context, files []models.NewAttachment) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, f := range files {
		for _, k := range []string{f.StorageKey, f.ThumbKey} {
			if k == "" || c.Files == nil {
				continue
			}
			if err := c.Files.Delete(ctx, k); err != nil {
				c.Log.WarnContext(ctx, "discard mail attachment; the orphan clean-up will retry", "key", k, "error", err)
			}
		}
	}
}
