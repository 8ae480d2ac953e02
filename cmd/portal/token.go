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
	"github.com/portal-msp/portal/models"
)

// tokenCmd: portal token create --staff <email> --name <label> --scopes <list>
// [--integration] [--days N]. The token is printed on a line of its own
// (the last line), so a script can take it with tail -n 1; it is not kept
// anywhere and cannot be shown again.
func tokenCmd(ctx context.Context, args []string, getenv config.Getenv, stdout io.Writer) error {
	args, err := subcommand("token", args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("staff", "", "e-mail of the staff member who owns the token (required)")
	name := fs.String("name", "", "a label for the token (required)")
	scopes := fs.String("scopes", "", "comma-separated scopes: "+strings.Join(models.APIScopes, ","))
	integration := fs.Bool("integration", false, "a workspace integration token (the owner must be an admin)")
	days := fs.Int("days", 0, "expire after this many days (0: never)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	var problems []string
	if strings.TrimSpace(*email) == "" {
		problems = append(problems, "--staff is required (the owner's e-mail)")
	}
	if strings.TrimSpace(*name) == "" {
		problems = append(problems, "--name is required")
	}
	list := strings.FieldsFunc(*scopes, func(r rune) bool { return r == ',' || r == ' ' })
	if len(list) == 0 {
		problems = append(problems, "--scopes is required ("+strings.Join(models.APIScopes, ",")+")")
	} else if _, err := models.NormalizeScopes(list); err != nil {
		problems = append(problems, "--scopes: "+strings.TrimPrefix(err.Error(), "models: "))
	}
	if *days < 0 {
		problems = append(problems, "--days must be 0 (never) or more")
	}
	if len(problems) > 0 {
		return errors.New("token create: " + strings.Join(problems, "; "))
	}
	db, _, err := operatorDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	owner, err := models.GetUserByEmail(ctx, db, *email)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("token create: no user has the e-mail %s", *email)
	}
	if err != nil {
		return err
	}
	in := models.NewAPIToken{Kind: models.TokenPersonal, UserID: owner.ID, Name: *name, Scopes: list}
	if *integration {
		in.Kind = models.TokenIntegration
	}
	if *days > 0 {
		t := models.Now().Add(time.Duration(*days) * 24 * time.Hour)
		in.ExpiresAt = &t
	}
	t, secret, err := models.CreateAPIToken(ctx, db, in)
	if errors.Is(err, models.ErrTokenOwner) {
		return fmt.Errorf("token create: %s is not an active staff member (an integration token needs an admin)", *email)
	}
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	fmt.Fprintf(stdout, "Token %q (pt_%s_…) for %s, scopes %s. It is shown once; keep it safe:\n", t.Name, t.Prefix, owner.Email, t.Scopes)
	fmt.Fprintln(stdout, secret)
	return nil
}
