package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/models"
)

// attachmentField is the name of every composer's file input.
const attachmentField = "attachments"

// uploadRoutes are the forms that may carry attachments, as "METHOD
// /route/:pattern" (routes.go). Their body limit is the workspace's
// attachment limits on top of PORTAL_MAX_BODY_BYTES (limits.go); every other
// route keeps the form limit.
var uploadRoutes = map[string]bool{
	"POST /requests":                   true,
	"POST /requests/:number/reply":     true,
	"POST /console/requests":           true,
	"POST /console/requests/:id/reply": true,
	// Insert posts the whole composer, files included (they are not kept:
	// the form comes back with the saved reply in it, to attach again).
	"POST /console/requests/:id/saved-reply": true,
}

// receiveUploads checks the files sent in the form's attachment field
// against the workspace's limits and, when every one passes, stores them
// under fresh random keys (with their thumbnails). A refusal is returned as
// problem, the message shown beside the field, and nothing is stored. The
// caller records the files in the transaction of its post and calls
// discardUploads if that fails.
func (s *Server) receiveUploads(c echo.Context) (files []models.NewAttachment, problem string, err error) {
	r := c.Request()
	var parts []*spooledFile
	for _, fh := range uploadsOf(c)[attachmentField] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty part a file input sends when nothing was chosen
		}
		parts = append(parts, fh)
	}
	if len(parts) == 0 {
		return nil, "", nil
	}
	ctx := r.Context()
	lim := s.attachmentLimits(ctx)
	if len(parts) > lim.MaxFiles {
		return nil, fmt.Sprintf("Attach at most %d files to one message; you chose %d.", lim.MaxFiles, len(parts)), nil
	}
	checked := make([]attachments.Inspected, len(parts))
	for i, fh := range parts {
		in, err := inspectPart(fh, lim)
		switch {
		case errors.Is(err, attachments.ErrEmpty):
			return nil, fmt.Sprintf("“%s” is empty. Choose another file.", in.Name), nil
		case errors.Is(err, attachments.ErrTooLarge):
			return nil, fmt.Sprintf("“%s” is larger than %s, the largest file you can attach.", in.Name, models.ByteSizeText(lim.MaxFileBytes)), nil
		case errors.Is(err, attachments.ErrBlocked):
			return nil, fmt.Sprintf("“%s” cannot be attached: programs and scripts are refused.", in.Name), nil
		case err != nil:
			return nil, "", err
		}
		checked[i] = in
	}
	for i, fh := range parts {
		f, err := s.storePart(c, fh, checked[i])
		if err != nil {
			s.discardUploads(ctx, files)
			return nil, "", err
		}
		files = append(files, f)
	}
	return files, "", nil
}

func inspectPart(fh *spooledFile, lim attachments.Limits) (attachments.Inspected, error) {
	f, err := fh.Open()
	if err != nil {
		return attachments.Inspected{Name: attachments.CleanName(fh.Filename)}, fmt.Errorf("handlers: open upload: %w", err)
	}
	defer f.Close()
	return attachments.Inspect(f, fh.Size, fh.Filename, lim)
}

// storePart writes one checked file, and its thumbnail, under a new key.
func (s *Server) storePart(c echo.Context, fh *spooledFile, in attachments.Inspected) (models.NewAttachment, error) {
	ctx := c.Request().Context()
	out := models.NewAttachment{Name: in.Name, Size: in.Size, ContentType: in.ContentType, SHA256: in.SHA256,
		StorageKey: attachments.NewFileKey(), Width: in.Width, Height: in.Height, Inline: in.Inline}
	f, err := fh.Open()
	if err != nil {
		return out, fmt.Errorf("handlers: open upload: %w", err)
	}
	defer f.Close()
	if err := s.files.Put(ctx, out.StorageKey, f, "application/octet-stream"); err != nil {
		s.discardUploads(ctx, []models.NewAttachment{out})
		return out, err
	}
	if in.Thumb != nil {
		out.ThumbKey = attachments.ThumbKey(out.StorageKey)
		if err := s.files.Put(ctx, out.ThumbKey, bytes.NewReader(in.Thumb), "image/png"); err != nil {
			s.discardUploads(ctx, []models.NewAttachment{out})
			return out, err
		}
	}
	return out, nil
}

// uploadTooLarge is the 413 of an attachment form whose body is over its
// limit, refused before it is read.
func uploadTooLarge(limit int64) error {
	return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("These files are too large to send together: the limit is %s. Attach fewer or smaller files.", models.ByteSizeText(limit)))
}

// refusedFiles reports whether the form failed validation, first dropping
// an empty attachment message. Files are stored only once every other
// field is valid, so when a form is refused for anything else while it
// carried files, the field says they were not sent: a browser cannot put
// them back in the re-rendered input.
func (e FieldErrors) refusedFiles(c echo.Context) bool {
	if e[attachmentField] == "" {
		delete(e, attachmentField)
	}
	if !e.Any() {
		return false
	}
	if _, refused := e[attachmentField]; !refused && sentFiles(c) > 0 {
		e[attachmentField] = "Your files were not sent. Choose them again after correcting the form."
	}
	return true
}

// sentFiles counts the files the form carried.
func sentFiles(c echo.Context) int {
	n := 0
	for _, fh := range uploadsOf(c)[attachmentField] {
		if fh.Filename != "" || fh.Size > 0 {
			n++
		}
	}
	return n
}
