package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/models"
)

// summariesCmd: portal summaries run --month 2026-10 [--client slug] [--send].
// It rebuilds the month's summary of one client or every active one,
// replacing what was stored (the monthly job never recomputes a month it
// built), and with --send delivers it again as a resend would.
func summariesCmd(ctx context.Context, args []string, getenv config.Getenv, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New(`summaries: want "summaries run --month 2026-10 [--client slug] [--send]" (see portal help)`)
	}
	fs := flag.NewFlagSet("summaries run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	monthFlag := fs.String("month", "", "the month to rebuild, such as 2026-10 (required)")
	slug := fs.String("client", "", "only this client (its slug); all active clients without it")
	send := fs.Bool("send", false, "e-mail the rebuilt summary to the client's summary recipients")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("summaries run: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("summaries run: unexpected %q", strings.Join(fs.Args(), " "))
	}
	if *monthFlag == "" {
		return errors.New("summaries run: --month is required, such as --month 2026-10")
	}
	month, err := models.ParseMonth(*monthFlag)
	if err != nil {
		return fmt.Errorf("summaries run: --month %q is not a month; write it as 2026-10", *monthFlag)
	}
	now := models.Now()
	if !month.Before(models.MonthDate(now, time.UTC).AddDate(0, 1, 0)) {
		return fmt.Errorf("summaries run: %s has not begun; a summary covers a month that is over", models.MonthLabel(month))
	}
	db, cfg, err := operatorDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()

	var clients []models.Client
	if *slug != "" {
		c, err := models.GetClientBySlug(ctx, db, *slug)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("summaries run: no client with the slug %q", *slug)
		} else if err != nil {
			return err
		}
		clients = []models.Client{*c}
	} else if clients, err = models.ListClients(ctx, db); err != nil {
		return err
	}

	var job *jobs.Summaries
	if *send {
		job = jobs.NewSummaries(cfg, db, newLogger(cfg, io.Discard))
	}
	done := 0
	for _, c := range clients {
		loc := models.LoadLocation(c.Timezone)
		switch {
		case !month.Before(models.MonthDate(now, loc)):
			if *slug != "" {
				return fmt.Errorf("summaries run: %s is not over yet in %s's time zone (%s)", models.MonthLabel(month), c.Name, c.Timezone)
			}
			fmt.Fprintf(stdout, "skipped %s: %s is not over yet in %s\n", c.Slug, models.MonthLabel(month), c.Timezone)
			continue
		case month.Before(models.MonthDate(c.CreatedAt, loc)):
			fmt.Fprintf(stdout, "skipped %s: it joined after %s\n", c.Slug, models.MonthLabel(month))
			continue
		}
		sum, created, err := models.RebuildMonthlySummary(ctx, db, c.ID, month)
		if err != nil {
			return fmt.Errorf("summaries run: %s: %w", c.Slug, err)
		}
		verb := "rebuilt"
		if created {
			verb = "built"
		}
		fmt.Fprintf(stdout, "%s %s for %s: %d submitted, %d resolved, %s used\n", verb, c.Slug, sum.MonthLabel(),
			sum.RequestsSubmitted, sum.RequestsResolved, models.HoursText(sum.MinutesUsed))
		done++
		if job != nil {
			if err := sendSummary(ctx, job, c, month, stdout); err != nil {
				return err
			}
		}
	}
	if done == 0 && len(clients) > 0 && *slug == "" {
		return fmt.Errorf("summaries run: no client has a complete %s", models.MonthLabel(month))
	}
	return nil
}

// sendSummary delivers a rebuilt summary as a resend from the command line
// (no staff member to name) and says who got it.
func sendSummary(ctx context.Context, job *jobs.Summaries, c models.Client, month time.Time, stdout io.Writer) error {
	sum, err := models.StartSummaryResend(ctx, job.DB, nil, c.ID, month)
	if err != nil {
		return err
	}
	d, err := job.Deliver(ctx, sum)
	if err != nil {
		return fmt.Errorf("summaries run: send %s: %w", c.Slug, err)
	}
	fmt.Fprintf(stdout, "  sent to %d (%s)", len(d.Sent), strings.Join(d.Sent, ", "))
	if len(d.Refused) > 0 {
		fmt.Fprintf(stdout, "; refused by the mail server for %s (run again to retry them)", strings.Join(d.Refused, ", "))
	}
	fmt.Fprintln(stdout)
	return nil
}
