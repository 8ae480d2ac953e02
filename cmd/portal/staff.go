package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/models"
)

// operatorDB opens and migrates the database for an operator command.
func operatorDB(ctx context.Context, getenv config.Getenv) (*bun.DB, config.Config, error) {
	cfg, err := config.Load(getenv, nil)
	if err != nil {
		return nil, cfg, err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, cfg, err
	}
	if _, err := migrateUp(ctx, cfg, db); err != nil {
		db.Close()
		return nil, cfg, err
	}
	return db, cfg, nil
}

// subcommand checks "<noun> create" and returns the flags after it.
func subcommand(noun string, args []string) ([]string, error) {
	if len(args) == 0 || args[0] != "create" {
		return nil, fmt.Errorf("%s: want \"%s create\" (see portal help)", noun, noun)
	}
	return args[1:], nil
}

// staffCmd: portal staff create --email --name --role [--password]. Without
// a password it prints a link to choose one (valid 7 days).
func staffCmd(ctx context.Context, args []string, getenv config.Getenv, stdout io.Writer) error {
	args, err := subcommand("staff", args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("staff create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "e-mail address (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", models.RoleAgent, "admin or agent")
	password := fs.String("password", "", "password; omit to print a set-password link")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("staff create: %w", err)
	}
	var problems []string
	if strings.TrimSpace(*email) == "" || !strings.Contains(*email, "@") {
		problems = append(problems, "--email is required (name@example.com)")
	}
	if strings.TrimSpace(*name) == "" {
		problems = append(problems, "--name is required")
	}
	if *role != models.RoleAdmin && *role != models.RoleAgent {
		problems = append(problems, "--role must be admin or agent")
	}
	if *password != "" {
		if msg := models.CheckPassword(*password); msg != "" {
			problems = append(problems, "--password: "+msg)
		}
	}
	if len(problems) > 0 {
		return errors.New("staff create: " + strings.Join(problems, "; "))
	}
	db, cfg, err := operatorDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := models.CreateUser(ctx, db, models.NewUser{Role: *role, Email: *email, Name: strings.TrimSpace(*name),
		Password: *password, SignupMethod: models.SignupCLI})
	if errors.Is(err, models.ErrEmailTaken) {
		return fmt.Errorf("staff create: %s already has an account", models.NormalizeEmail(*email))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %s <%s>\n", u.Role, u.Name, u.Email)
	if *password == "" {
		token, err := models.CreatePasswordReset(ctx, db, u.ID, models.InviteValidity)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "choose a password within 7 days at: %s/reset/%s\n", cfg.BaseURL, token)
	}
	return printSetupCode(ctx, db, cfg, stdout)
}

// printSetupCode gives the operator a one-time setup code while the portal
// is not set up: the setup page asks for one.
func printSetupCode(ctx context.Context, db *bun.DB, cfg config.Config, stdout io.Writer) error {
	_, err := models.GetWorkspace(ctx, db)
	if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	code, err := models.NewSetupCode(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "the portal is not set up yet: open %s/setup and enter the one-time setup code %s\n", cfg.BaseURL, code)
	return nil
}
