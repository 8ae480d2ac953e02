package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
)

// world is what the load run needs: one session token per connection (the
// first `browsers` belong to the target client), a staff session, and the
// target request.
type world struct {
	tokens      []string
	staffToken  string
	requestID   int64
	requestRef  string
	targetUsers int
}

const loadPassword = "load-test-password-unused"

// prepare creates (once) the load clients, users and a request, and signs
// every user in with a fresh session.
func prepare(ctx context.Context, db *bun.DB, o options) (*world, error) {
	if _, err := models.GetWorkspace(ctx, db); errors.Is(err, models.ErrNotFound) {
		return nil, fmt.Errorf("the portal is not set up: open it once or run `portal demo` first")
	} else if err != nil {
		return nil, err
	}
	hash, err := models.HashPassword(loadPassword)
	if err != nil {
		return nil, err
	}
	w := &world{targetUsers: o.browsers}

	target, err := ensureClient(ctx, db, "load-target", "LOAD")
	if err != nil {
		return nil, err
	}
	others := make([]*models.Client, o.clients)
	for i := range others {
		if others[i], err = ensureClient(ctx, db, fmt.Sprintf("load-%03d", i), fmt.Sprintf("L%03d", i)); err != nil {
			return nil, err
		}
	}

	userIDs := make([]int64, 0, o.conns)
	for i := range o.conns {
		client, n := target, i
		if i >= o.browsers {
			client, n = others[(i-o.browsers)%len(others)], (i-o.browsers)/len(others)
		}
		email := fmt.Sprintf("user%d@%s.load.test", n, client.Slug)
		id, err := ensureUser(ctx, db, &client.ID, models.RoleClient, email, hash)
		if err != nil {
			return nil, err
		}
		userIDs = append(userIDs, id)
	}
	staffID, err := ensureUser(ctx, db, nil, models.RoleAgent, "staff@load.test", hash)
	if err != nil {
		return nil, err
	}

	if w.tokens, err = loaddata.Sessions(ctx, db, userIDs); err != nil {
		return nil, err
	}
	staff, err := loaddata.Sessions(ctx, db, []int64{staffID})
	if err != nil {
		return nil, err
	}
	w.staffToken = staff[0]

	req, err := ensureRequest(ctx, db, target, userIDs[0])
	if err != nil {
		return nil, err
	}
	w.requestID, w.requestRef = req.ID, req.Ref(target.RequestPrefix)
	return w, nil
}

func ensureClient(ctx context.Context, db *bun.DB, slug, prefix string) (*models.Client, error) {
	c := new(models.Client)
	err := db.NewSelect().Model(c).Where("slug = ?", slug).Scan(ctx)
	if err == nil {
		return c, nil
	}
	now := models.Now()
	c = &models.Client{Name: "Load " + slug, Slug: slug, RequestPrefix: prefix, Timezone: "UTC",
		NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		return nil, fmt.Errorf("create client %s: %w", slug, err)
	}
	return c, nil
}

func ensureUser(ctx context.Context, db *bun.DB, clientID *int64, role, email, hash string) (int64, error) {
	var id int64
	err := db.NewSelect().Model((*models.User)(nil)).Column("id").Where("email = ?", email).Scan(ctx, &id)
	if err == nil {
		return id, nil
	}
	now := models.Now()
	u := &models.User{ClientID: clientID, Role: role, Email: email, Name: email, PasswordHash: &hash,
		SignupMethod: "load", CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
		return 0, fmt.Errorf("create user %s: %w", email, err)
	}
	return u.ID, nil
}

func ensureRequest(ctx context.Context, db *bun.DB, client *models.Client, requester int64) (*models.Request, error) {
	r := new(models.Request)
	err := db.NewSelect().Model(r).Where("client_id = ?", client.ID).Where("title = ?", "Load test thread").Scan(ctx)
	if err == nil {
		return r, nil
	}
	now := models.Now()
	r = &models.Request{ClientID: client.ID, Number: client.NextRequestNumber, Title: "Load test thread",
		Description: "Messages posted by portal-load.", Urgency: models.UrgencyNormal, Status: models.StatusInProgress,
		RequesterID: &requester, ResponseColour: "green", ResolutionColour: "green", ClockUpdatedAt: now,
		FirstResponseAt: &now, CreatedAt: now, UpdatedAt: now}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model(client).Set("next_request_number = next_request_number + 1").WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create load request: %w", err)
	}
	return r, nil
}
