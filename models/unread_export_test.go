package models

import "github.com/uptrace/bun"

// UnreadBadgeQuery lets the external tests EXPLAIN the badge's query.
func (s Scope) UnreadBadgeQuery() *bun.SelectQuery { return s.unreadBadgeQuery() }
