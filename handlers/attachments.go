package handlers

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/models"
)

// WithAttachments stores attachments in store instead of the one
// PORTAL_ATTACHMENTS_URL names (tests use their own folder or bucket).
func WithAttachments(store attachments.Store) Option {
	return func(s *Server) { s.files = store }
}

// attachmentFile serves one of the client's attachments. The Scope finds
// only the client's own files and never one of an internal note, so a
// foreign, internal or made-up id is the same 404 as a missing one.
func (s *Server) attachmentFile(c echo.Context, sc models.Scope) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	a, err := sc.Attachment(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.serveAttachment(c, a, false)
}

// attachmentThumb is the client's thumbnail of an image attachment.
func (s *Server) attachmentThumb(c echo.Context, sc models.Scope) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	a, err := sc.Attachment(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.serveAttachment(c, a, true)
}

// consoleAttachmentFile serves any attachment to staff.
func (s *Server) consoleAttachmentFile(c echo.Context) error {
	return s.consoleAttachment(c, false)
}

// consoleAttachmentThumb is the staff thumbnail of an image attachment.
func (s *Server) consoleAttachmentThumb(c echo.Context) error {
	return s.consoleAttachment(c, true)
}

func (s *Server) consoleAttachment(c echo.Context, thumb bool) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	a, err := models.AttachmentForStaff(c.Request().Context(), s.db, id)
	if err != nil {
		return err
	}
	return s.serveAttachment(c, a, thumb)
}

// attachmentCSP forbids the file everything a page could do: were a
// browser ever to render it as a document, it would run nothing, load
// nothing and sit in a unique origin.
const attachmentCSP = "default-src 'none'; sandbox; frame-ancestors 'none'"

// serveAttachment sends the file (or its thumbnail). Only verified raster
// images are shown inline, with their sniffed type; everything else is a
// download of application/octet-stream, whatever its name or the type the
// uploader's browser claimed. Both carry nosniff and a sandboxing CSP.
func (s *Server) serveAttachment(c echo.Context, a *models.Attachment, thumb bool) error {
	ctx := c.Request().Context()
	key, inline, ctype := a.StorageKey, a.Inline, "application/octet-stream"
	if inline {
		ctype = a.ContentType
	}
	if thumb {
		if a.ThumbKey == nil {
			return echo.ErrNotFound
		}
		key, inline, ctype = *a.ThumbKey, true, "image/png"
	}
	r, err := s.files.Open(ctx, key)
	if errors.Is(err, attachments.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer r.Close()
	disposition := "attachment"
	if inline {
		disposition = "inline"
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, ctype)
	cd := mime.FormatMediaType(disposition, map[string]string{"filename": a.Name})
	if cd == "" { // a name mime cannot encode: the browser names it
		cd = disposition
	}
	h.Set("Content-Disposition", cd)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", attachmentCSP)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	// The file never changes under its id, but who may see it can (a user
	// disabled): keep it out of shared caches and revalidate.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", strconv.Quote(a.SHA256))
	http.ServeContent(c.Response(), c.Request(), "", a.CreatedAt, r)
	return nil
}

// attachmentLimits are the workspace's limits, from the settings cache;
// the defaults if the workspace cannot be read.
func (s *Server) attachmentLimits(ctx context.Context) attachments.Limits {
	lim := attachments.Limits{MaxFileBytes: attachments.DefaultMaxFileBytes, MaxFiles: attachments.DefaultMaxFiles}
	lim.Blocked, _ = attachments.ParseBlocked(attachments.DefaultBlocked)
	ws, err := models.CachedWorkspace(ctx, s.db)
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

// uploadBodyLimit is the largest body an attachment-bearing form may send:
// the form itself plus the most files of the largest size, with room for
// each part's headers.
func (s *Server) uploadBodyLimit(ctx context.Context) int64 {
	lim := s.attachmentLimits(ctx)
	return s.cfg.MaxBodyBytes + int64(lim.MaxFiles)*(lim.MaxFileBytes+16<<10)
}

// discardUploads deletes stored files whose post did not happen (or
// happened before, for a repeated form). A failure leaves an orphan for
// the clean-up job, so it is logged rather than shown.
func (s *Server) discardUploads(ctx context.Context, files []models.NewAttachment) {
	ctx = context.WithoutCancel(ctx)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, f := range files {
		for _, k := range []string{f.StorageKey, f.ThumbKey} {
			if k == "" {
				continue
			}
			if err := s.files.Delete(ctx, k); err != nil {
				s.log.WarnContext(ctx, "discard upload; the orphan clean-up will retry", "key", k, "error", err)
			}
		}
	}
}

// templateLimits are the limits the composer's file field states. The
// settings cache makes this a memory read on every page after the first.
func (s *Server) templateLimits() attachments.Limits {
	return s.attachmentLimits(context.Background())
}
