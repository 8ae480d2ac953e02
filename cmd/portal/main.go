// Command portal is the MSP client portal: one binary that serves the web
// portal and console, runs migrations and loads demo data.
//
//	portal [serve] [--demo]     run the server (the default)
//	portal migrate up|down|status
//	portal demo                 load demo data and print the sign-ins
//	portal summaries run        rebuild (and optionally send) a month's summaries
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	_ "time/tzdata" // client time zones work on machines without zoneinfo

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/demo"
	"github.com/portal-msp/portal/migrations"
	"github.com/portal-msp/portal/models"
)

const usage = `usage: portal [command] [flags]

commands:
  serve              run the portal (default); --demo loads demo data first
  migrate up         apply pending migrations
  migrate down       roll back the last batch of migrations
  migrate status     list migrations and whether each is applied
  demo               load demo data (safe to re-run) and print the sign-ins
  staff create       --email --name --role admin|agent [--password]; without a
                     password, prints a link to choose one
  client create      --name --slug [--timezone] [--contact-email] [--monthly-hours]
  link create        --client <slug> [--days 7|30|90|365] [--label]; prints the URL
  token create       --staff <email> --name <label> --scopes <list> [--integration]
                     [--days N]; prints a new API token on its own line
  summaries run      --month 2026-10 [--client <slug>] [--send]; rebuilds that
                     month's summary (replacing the stored one), --send e-mails it

Configuration comes from environment variables; see README.md.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv config.Getenv, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout)
	case "migrate":
		return migrate(ctx, args, getenv, stdout)
	case "demo":
		return demoCmd(ctx, args, getenv, stdout)
	case "staff":
		return staffCmd(ctx, args, getenv, stdout)
	case "client":
		return clientCmd(ctx, args, getenv, stdout)
	case "link":
		return linkCmd(ctx, args, getenv, stdout)
	case "token":
		return tokenCmd(ctx, args, getenv, stdout)
	case "summaries":
		return summariesCmd(ctx, args, getenv, stdout)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

// newLogger builds the process logger from the configuration.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB opens PostgreSQL when DATABASE_URL is set, else the embedded SQLite
// file in the data folder.
func openDB(ctx context.Context, cfg config.Config) (*bun.DB, error) {
	if cfg.Postgres() {
		return models.OpenPostgres(ctx, cfg.DatabaseURL)
	}
	return models.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "portal.db"))
}

func migrate(ctx context.Context, args []string, getenv config.Getenv, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("migrate needs up, down or status")
	}
	action, args := args[0], args[1:]
	cfg, err := config.Load(getenv, args)
	if err != nil {
		return err
	}
	db, err := openMigrationDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "up":
		names, err := migrations.Up(ctx, db)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintln(stdout, "database is up to date")
		}
		for _, n := range names {
			fmt.Fprintln(stdout, "applied", n)
		}
	case "down":
		names, err := migrations.Down(ctx, db)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintln(stdout, "nothing to roll back")
		}
		for _, n := range names {
			fmt.Fprintln(stdout, "rolled back", n)
		}
	case "status":
		list, err := migrations.List(ctx, db)
		if err != nil {
			return err
		}
		for _, m := range list {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%-8s %s\n", state, m.Name)
		}
	default:
		return fmt.Errorf("migrate: unknown action %q (want up, down or status)", action)
	}
	return nil
}

func demoCmd(ctx context.Context, args []string, getenv config.Getenv, stdout io.Writer) error {
	cfg, err := config.Load(getenv, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := migrateUp(ctx, cfg, db); err != nil {
		return err
	}
	return loadDemo(ctx, db, cfg, stdout)
}

// loadDemo loads the demo data and prints how to sign in.
func loadDemo(ctx context.Context, db *bun.DB, cfg config.Config, stdout io.Writer) error {
	creds, err := demo.Load(ctx, db, models.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo data is loaded. Open %s and sign in as:\n", cfg.BaseURL)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, c := range creds {
		fmt.Fprintf(tw, "  %s\t%s\tpassword: %s\n", c.Role, c.Email, c.Password)
	}
	return tw.Flush()
}
