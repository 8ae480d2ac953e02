package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Ratings of a completed request.
const (
	RatingGood = "good"
	RatingBad  = "bad"
)

// MaxRatingCommentLength bounds a rating's comment, in characters.
const MaxRatingCommentLength = 2000

// RequestRating is the client's satisfaction with a completed request: one
// per request, changeable within the reopen window. A rating never reopens
// the request and changes nothing else.
type RequestRating struct {
	bun.BaseModel `bun:"table:request_ratings"`

	RequestID  int64     `bun:"request_id,pk"`
	ClientID   int64     `bun:"client_id"`
	UserID     *int64    `bun:"user_id"`
	AssigneeID *int64    `bun:"assignee_id"` // the agent who had it, for per-agent figures
	Rating     string    `bun:"rating"`
	Comment    string    `bun:"comment"`
	RatedAt    time.Time `bun:"rated_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// Good reports whether the rating is good.
func (r *RequestRating) Good() bool { return r.Rating == RatingGood }

// RatingToken is a rating link of the completion e-mail: a random token
// stored only as its hash, for one request and one user, single-use,
// expiring with the reopen window. Opening the link shows the choice;
// posting its page records it (RatingLink, RateByToken).
type RatingToken struct {
	bun.BaseModel `bun:"table:rating_tokens"`

	ID        int64      `bun:"id,pk,autoincrement"`
	TokenHash []byte     `bun:"token_hash"`
	RequestID int64      `bun:"request_id"`
	UserID    int64      `bun:"user_id"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
	CreatedAt time.Time  `bun:"created_at"`
}

// Errors of rating.
var (
	ErrRatingClosed   = errors.New("models: the request cannot be rated now")
	ErrRatingLinkUsed = errors.New("models: the rating link was already used")
	ErrBadRating      = errors.New("models: a rating is good or bad")
)

// ValidRating reports whether r is good or bad.
func ValidRating(r string) bool { return r == RatingGood || r == RatingBad }

// rate stores user's rating of a locked, completed request within its
// reopen window; it writes only the rating row.
func rate(ctx context.Context, tx bun.IDB, r *Request, userID int64, rating, comment string, now time.Time) error {
	if !ValidRating(rating) {
		return ErrBadRating
	}
	window, err := ReopenWindowOf(ctx, tx)
	if err != nil {
		return err
	}
	if !r.CanReopen(window, now) {
		return ErrRatingClosed
	}
	row := &RequestRating{RequestID: r.ID, ClientID: r.ClientID, UserID: &userID, AssigneeID: r.AssigneeID,
		Rating: rating, Comment: comment, RatedAt: now}
	if _, err := tx.NewInsert().Model(row).On("CONFLICT (request_id) DO UPDATE").
		Set("user_id = EXCLUDED.user_id, assignee_id = EXCLUDED.assignee_id, rating = EXCLUDED.rating, " +
			"comment = EXCLUDED.comment, rated_at = EXCLUDED.rated_at").Exec(ctx); err != nil {
		return fmt.Errorf("models: rate request %d: %w", r.ID, err)
	}
	return nil
}

// Rate records the scope user's rating of the client's completed request n.
func (s Scope) Rate(ctx context.Context, n int, rating, comment string) error {
	id, err := s.requestIDByNumber(ctx, n)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.ClientID != s.clientID {
			return fmt.Errorf("models: request %d is not of client %d: %w", id, s.clientID, ErrNotFound)
		}
		return rate(ctx, tx, r, s.userID, rating, comment, Now())
	})
}

// RatingOf is the request's rating, or nil.
func RatingOf(ctx context.Context, db bun.IDB, requestID int64) (*RequestRating, error) {
	r := new(RequestRating)
	err := db.NewSelect().Model(r).
		Relation("User", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name") }).
		Where("request_rating.request_id = ?", requestID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: rating of request %d: %w", requestID, err)
	}
	return r, nil
}

// NewRatingToken makes the one-click rating link token of a completed
// request for one user, valid until the end of its reopen window.
func NewRatingToken(ctx context.Context, db bun.IDB, requestID, userID int64, expires time.Time) (string, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", err
	}
	t := &RatingToken{TokenHash: hash, RequestID: requestID, UserID: userID, ExpiresAt: expires, CreatedAt: Now()}
	if _, err := db.NewInsert().Model(t).Exec(ctx); err != nil {
		return "", fmt.Errorf("models: rating token of request %d: %w", requestID, err)
	}
	return token, nil
}

// RatingLink checks the token of a completion e-mail's rating link without
// spending it, for the page that shows the choice: a mail scanner that
// follows the link records nothing. It returns the request the link rates,
// or the error RateByToken would give.
func RatingLink(ctx context.Context, db bun.IDB, token string) (*Request, error) {
	_, r, err := ratingLink(ctx, db, token, false)
	if err != nil {
		return nil, err
	}
	window, err := ReopenWindowOf(ctx, db)
	if err != nil {
		return nil, err
	}
	if !r.CanReopen(window, Now()) {
		return nil, ErrRatingClosed
	}
	return r, nil
}

// RateByToken records the rating (and optional comment) posted from a
// rating link's page: the token must exist (a tampered one does not), be
// unused and unexpired, and its user still an active user of the request's
// client. The token is spent in the same transaction. It returns the rated
// request.
func RateByToken(ctx context.Context, db bun.IDB, token, rating, comment string) (*Request, error) {
	if !ValidRating(rating) {
		return nil, ErrBadRating
	}
	var out *Request
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, r, err := ratingLink(ctx, tx, token, true)
		if err != nil {
			return err
		}
		now := Now()
		if _, err := tx.NewUpdate().Model(t).Set("used_at = ?", now).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: spend rating token %d: %w", t.ID, err)
		}
		out = r
		return rate(ctx, tx, r, t.UserID, rating, comment, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ratingLink loads a rating link's token and request and checks the token
// may still rate it. lock takes both rows for update, to spend the token.
func ratingLink(ctx context.Context, db bun.IDB, token string, lock bool) (*RatingToken, *Request, error) {
	t := new(RatingToken)
	q := db.NewSelect().Model(t).Where("token_hash = ?", HashToken(token))
	if lock {
		q = forUpdate(db, q)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, nil, notFound(err, "load rating token")
	}
	if t.UsedAt != nil {
		return nil, nil, ErrRatingLinkUsed
	}
	if !Now().Before(t.ExpiresAt) {
		return nil, nil, ErrRatingClosed
	}
	r := new(Request)
	if lock {
		var err error
		if r, err = lockRequest(ctx, db, t.RequestID); err != nil {
			return nil, nil, err
		}
	} else if err := db.NewSelect().Model(r).Where("id = ?", t.RequestID).Scan(ctx); err != nil {
		return nil, nil, notFound(err, fmt.Sprintf("load request %d", t.RequestID))
	}
	ok, err := db.NewSelect().Model((*User)(nil)).Where("id = ?", t.UserID).Where("client_id = ?", r.ClientID).
		Where("disabled_at IS NULL").Exists(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("models: rating token user %d: %w", t.UserID, err)
	}
	if !ok {
		return nil, nil, ErrRatingClosed
	}
	return t, r, nil
}

// Satisfaction is a month's ratings: how many were good of how many given.
type Satisfaction struct {
	Name  string `bun:"name"`
	Good  int    `bun:"good"`
	Rated int    `bun:"rated"`
}

// Percent is the share of good ratings, or -1 when none was given.
func (s Satisfaction) Percent() int {
	if s.Rated == 0 {
		return -1
	}
	return Percent(s.Good, s.Rated)
}

// SatisfactionOfClient is the client's ratings given in [start, end).
func SatisfactionOfClient(ctx context.Context, db bun.IDB, clientID int64, start, end time.Time) (Satisfaction, error) {
	var s Satisfaction
	err := db.NewSelect().Model((*RequestRating)(nil)).
		ColumnExpr("coalesce(sum(CASE WHEN rating = 'good' THEN 1 ELSE 0 END), 0) AS good, count(*) AS rated").
		Where("client_id = ?", clientID).Where("rated_at >= ?", start).Where("rated_at < ?", end).Scan(ctx, &s)
	if err != nil {
		return s, fmt.Errorf("models: satisfaction of client %d: %w", clientID, err)
	}
	return s, nil
}

// SatisfactionByClient and SatisfactionByAgent are the month's figures of
// every client and every agent (by the assignee when rated), most rated first.
func SatisfactionByClient(ctx context.Context, db bun.IDB, start, end time.Time) ([]Satisfaction, error) {
	return satisfactionBy(ctx, db, "JOIN clients AS x ON x.id = rr.client_id", start, end)
}

// SatisfactionByAgent: see SatisfactionByClient.
func SatisfactionByAgent(ctx context.Context, db bun.IDB, start, end time.Time) ([]Satisfaction, error) {
	return satisfactionBy(ctx, db, "JOIN users AS x ON x.id = rr.assignee_id", start, end)
}

func satisfactionBy(ctx context.Context, db bun.IDB, join string, start, end time.Time) ([]Satisfaction, error) {
	var out []Satisfaction
	err := db.NewSelect().TableExpr("request_ratings AS rr").Join(join).
		ColumnExpr("x.name AS name").
		ColumnExpr("sum(CASE WHEN rr.rating = 'good' THEN 1 ELSE 0 END) AS good, count(*) AS rated").
		Where("rr.rated_at >= ?", start).Where("rr.rated_at < ?", end).
		GroupExpr("x.id, x.name").OrderExpr("count(*) DESC, x.name").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: satisfaction figures: %w", err)
	}
	return out, nil
}
