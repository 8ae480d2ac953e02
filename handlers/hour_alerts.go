package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// checkHourAlerts runs after any change to a client's hours (time logged or
// changed, purchases, plan): thresholds newly crossed this period, and
// overage, are mailed to the client's users who take e-mail and the staff
// following the client. CheckHourAlerts records each once per period across
// processes, so only the process that recorded it mails it. Failures are
// logged: the change itself has committed.
func (s *Server) checkHourAlerts(c echo.Context, clientID int64) {
	ctx := c.Request().Context()
	alerts, err := models.CheckHourAlerts(ctx, s.db, clientID, models.Now())
	if err != nil {
		s.logFailure(c, "hour alerts", err, "client_id", clientID)
		return
	}
	if len(alerts) == 0 {
		return
	}
	client, err := models.GetClient(ctx, s.db, clientID)
	if err != nil {
		s.logFailure(c, "hour alerts", err, "client_id", clientID)
		return
	}
	users, err := models.AlertRecipients(ctx, s.db, clientID)
	if err != nil {
		s.logFailure(c, "hour alerts", err, "client_id", clientID)
		return
	}
	plan, err := models.LoadHourPlan(ctx, s.db, clientID)
	if err != nil {
		s.logFailure(c, "hour alerts", err, "client_id", clientID)
		return
	}
	workspace := s.workspaceName(c)
	for _, a := range alerts {
		for _, u := range users {
			url := s.absURL("/hours")
			if u.IsStaff() {
				url = s.absURL(clientHoursPath(clientID))
			}
			remaining := "remaining " + models.HoursText(a.RemainingMinutes)
			if a.RemainingMinutes < 0 {
				remaining = "over by " + models.HoursText(-a.RemainingMinutes)
			}
			token, err := models.UnsubscribeToken(ctx, s.db, models.MailHours, u.Email)
			if err != nil {
				s.logFailure(c, "hour alerts", err, "client_id", clientID)
				return
			}
			msg := mailMessage(u.Email, "hours_alert", map[string]any{
				"Name": u.Name, "Client": client.Name, "Workspace": workspace, "Overage": a.Overage(),
				"Period": periodText(a.PeriodStart, plan.PeriodAt(a.PeriodStart).End), "Text": a.Text(),
				"Purchased": models.HoursText(a.PurchasedMinutes), "Used": models.HoursText(a.PurchasedMinutes - a.RemainingMinutes),
				"Remaining": remaining, "URL": url,
			})
			msg.Unsubscribe = s.absURL("/unsubscribe/" + token)
			s.mailer.SendLater(msg)
		}
	}
}

// clientOfRequest is the client id of a request, for alert checks after
// time changes on it.
func (s *Server) clientOfRequest(ctx context.Context, requestID int64) (int64, bool) {
	var id int64
	if err := s.db.NewSelect().Table("requests").Column("client_id").Where("id = ?", requestID).Scan(ctx, &id); err != nil {
		return 0, false
	}
	return id, true
}

// ThresholdsForm edits a client's low-balance thresholds.
type ThresholdsForm struct {
	Value  string
	Errors FieldErrors
}

func (s *Server) clientThresholdsSave(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	f := ThresholdsForm{Value: strings.TrimSpace(c.FormValue("thresholds")), Errors: FieldErrors{}}
	ts, bad, ok := models.ParseThresholds(f.Value)
	if !ok {
		msg := "Enter up to 10 thresholds as hours or percent left, separated by commas, such as 5h, 20%."
		if bad != "" {
			msg = "“" + strings.TrimSpace(bad) + "” is not hours (5h) or a percentage from 1 to 100 (20%)."
		}
		f.Errors["thresholds"] = msg
		p, err := s.clientHoursPage(c, client)
		if err != nil {
			return err
		}
		p.Thresholds = f
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplClientHours, "alerts-form", View{Title: client.Name + " · Hours", Nav: "clients", Data: p})
	}
	if err := models.SaveThresholds(c.Request().Context(), s.db, currentUser(c), client.ID, ts); err != nil {
		return err
	}
	s.checkHourAlerts(c, client.ID)
	setFlash(c, "success", "Low-balance alerts saved.")
	return redirect(c, clientHoursPath(client.ID))
}

func (s *Server) clientFollow(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	follow := c.FormValue("follow") == "1"
	if err := models.SetFollowing(c.Request().Context(), s.db, client.ID, currentUser(c).ID, follow); err != nil {
		return err
	}
	if follow {
		setFlash(c, "success", "You will get "+client.Name+"'s hour alerts by e-mail.")
	} else {
		setFlash(c, "success", "You no longer get "+client.Name+"'s hour alerts.")
	}
	return redirect(c, clientHoursPath(client.ID))
}
