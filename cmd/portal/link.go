package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/models"
)

// linkCmd: portal link create --client <slug> [--days 90] [--label]. It
// prints the URL, which cannot be shown again (only its hash is stored).
func linkCmd(ctx context.Context, args []string, getenv config.Getenv, stdout io.Writer) error {
	args, err := subcommand("link", args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("link create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	slug := fs.String("client", "", "the client's slug (required)")
	days := fs.Int("days", models.DefaultPortalLinkDays, "validity: 7, 30, 90 or 365 days")
	label := fs.String("label", "", "a note on where the link is used")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("link create: %w", err)
	}
	if *slug == "" {
		return errors.New("link create: --client is required (the client's slug)")
	}
	if !models.ValidPortalLinkDays(*days) {
		return errors.New("link create: --days must be 7, 30, 90 or 365")
	}
	db, cfg, err := operatorDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := models.GetClientBySlug(ctx, db, *slug)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("link create: no client with the slug %q", *slug)
	}
	if err != nil {
		return err
	}
	if c.ArchivedAt != nil {
		return fmt.Errorf("link create: client %q is archived", *slug)
	}
	l, token, err := models.CreatePortalLink(ctx, db, c.ID, nil, *label, *days)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s/join/%s\n", cfg.BaseURL, token)
	fmt.Fprintf(os.Stderr, "portal link for %s, valid until %s; it cannot be shown again\n", c.Name, l.ExpiresAt.Format("2 Jan 2006"))
	return nil
}
