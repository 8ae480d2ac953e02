package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// Forms that post something which must not happen twice (a reply) carry a
// random key in a hidden field, rendered fresh with each empty form. The
// model stores it with what was posted, so a double click or a resubmit after
// a lost answer finds the first post instead of writing a second.
const formKeyField = "idempotency_key"

// newFormKey is a fresh 128-bit key (the "formKey" template function).
func newFormKey() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// formKey reads the form's key: "" when the form has none (an old page),
// 400 when it is not one the portal could have rendered.
func formKey(c echo.Context) (string, error) {
	k := c.FormValue(formKeyField)
	if k == "" {
		return "", nil
	}
	if len(k) > 64 || strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		return "", echo.NewHTTPError(http.StatusBadRequest, "This form is damaged. Reload the page and send it again.")
	}
	return k, nil
}

// formKeyReused is shown beside the composer when its key already posted
// other words (models.ErrFormKeyReused): the form comes back with what was
// written and a fresh key, so sending it again posts it as a new message.
const (
	formKeyReusedMessage = "This form was already sent with a different message. What you wrote is kept here: send it again to post it as a new message."
	formKeyReusedFiles   = "Your files were not sent. Choose them again."
)

// formKeyReusedErrors are the field errors of such a refused post.
func formKeyReusedErrors(errs FieldErrors, files []models.NewAttachment) FieldErrors {
	errs["body"] = formKeyReusedMessage
	if len(files) > 0 {
		errs[attachmentField] = formKeyReusedFiles
	}
	return errs
}

// afterCommit ends a post whose change is stored but whose answer could not
// be built (reloading the page failed). An error page here would tell the
// user the post failed and invite them to send it again, so the failure is
// logged and the browser is sent to the page, which shows what was stored.
func (s *Server) afterCommit(c echo.Context, err error, flash, to string) error {
	s.log.WarnContext(c.Request().Context(), "stored, but the answer could not be built; redirecting",
		"error", err, "uri", s.redactURI(c.Request().RequestURI))
	setFlash(c, "success", flash)
	return redirect(c, to)
}
