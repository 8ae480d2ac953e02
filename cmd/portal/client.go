package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/models"
)

// clientCmd: portal client create --name --slug [--timezone] [--contact-email] [--monthly-hours].
func clientCmd(ctx context.Context, args []string, getenv config.Getenv, stdout io.Writer) error {
	args, err := subcommand("client", args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("client create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("name", "", "company name (required)")
	slug := fs.String("slug", "", "short name such as acme (required)")
	tz := fs.String("timezone", "UTC", "IANA time zone such as Europe/Paris")
	contact := fs.String("contact-email", "", "address for the monthly summary")
	hours := fs.Float64("monthly-hours", 0, "hours included per month")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("client create: %w", err)
	}
	var problems []string
	if strings.TrimSpace(*name) == "" {
		problems = append(problems, "--name is required")
	}
	if !models.ValidSlug(*slug) {
		problems = append(problems, "--slug must be lower-case letters, digits and single hyphens, such as acme-corp")
	}
	if !models.ValidTimezone(*tz) {
		problems = append(problems, "--timezone must be an IANA name such as Europe/Paris")
	}
	if *hours < 0 || *hours > 10000 {
		problems = append(problems, "--monthly-hours must be between 0 and 10000")
	}
	if len(problems) > 0 {
		return errors.New("client create: " + strings.Join(problems, "; "))
	}
	db, _, err := operatorDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := models.CreateClient(ctx, db, models.ClientInput{Name: strings.TrimSpace(*name), Slug: *slug, Timezone: *tz,
		ContactEmail: models.NormalizeEmail(*contact), MonthlyIncludedMinutes: int(*hours * 60)})
	if errors.Is(err, models.ErrSlugTaken) {
		return fmt.Errorf("client create: another client uses the slug %q", *slug)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created client %s (slug %s, id %d)\n", c.Name, c.Slug, c.ID)
	return nil
}
