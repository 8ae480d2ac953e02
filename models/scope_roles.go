package models

import (
	"context"
	"fmt"
)

// The scope's gates for what a member may be denied (company_roles.go):
// a restricted member's requests, hidden hours and summaries. Each answers
// ErrNotFound, so a page a member may not see is a 404, exactly like one
// that does not exist.

// errNotShown is what a gate answers.
func errNotShown(what string, s Scope) error {
	return fmt.Errorf("models: %s not shown to user %d of client %d: %w", what, s.userID, s.clientID, ErrNotFound)
}

// requireHours refuses a scope whose user does not see hours.
func (s Scope) requireHours() error {
	if !s.Viewer().SeesHours() {
		return errNotShown("hours", s)
	}
	return nil
}

// requireSummaries refuses a scope whose user does not read summaries.
func (s Scope) requireSummaries() error {
	if !s.Viewer().SeesSummaries() {
		return errNotShown("monthly summaries", s)
	}
	return nil
}

// requireRequest refuses a request id the scope's user does not see.
func (s Scope) requireRequest(ctx context.Context, id int64) error {
	v := s.Viewer()
	if v.SeesAllRequests() {
		return nil
	}
	ok, err := v.whereSeesRequests(s.db.NewSelect().Model((*Request)(nil)), "request").
		Where("request.id = ?", id).Exists(ctx)
	if err != nil {
		return fmt.Errorf("models: may user %d see request %d: %w", s.userID, id, err)
	}
	if !ok {
		return errNotShown(fmt.Sprintf("request %d", id), s)
	}
	return nil
}

// SeesHours reports whether the scope's user sees hours (the Hours page,
// the dashboard's bank, time on requests).
func (s Scope) SeesHours() bool { return s.Viewer().SeesHours() }

// SeesSummaries reports whether the scope's user reads monthly summaries.
func (s Scope) SeesSummaries() bool { return s.Viewer().SeesSummaries() }

// SeesAllRequests reports whether the scope's user sees every request of
// their company (a restricted member does not).
func (s Scope) SeesAllRequests() bool { return s.Viewer().SeesAllRequests() }

// keepOwnHours narrows an hours breakdown to the requests a restricted
// member sees; the time of the others is summed without naming them.
func (s Scope) keepOwnHours(ctx context.Context, o *HoursOverview) error {
	v := s.Viewer()
	if v.SeesAllRequests() || len(o.Requests) == 0 {
		return nil
	}
	var numbers []int
	if err := v.whereSeesRequests(s.db.NewSelect().Model((*Request)(nil)).Column("request.number"), "request").
		Scan(ctx, &numbers); err != nil {
		return fmt.Errorf("models: own requests of user %d: %w", s.userID, err)
	}
	own := map[int]bool{}
	for _, n := range numbers {
		own[n] = true
	}
	kept := o.Requests[:0]
	for _, r := range o.Requests {
		if own[r.Number] {
			kept = append(kept, r)
		} else {
			o.OtherMinutes += r.Minutes
		}
	}
	o.Requests = kept
	return nil
}
