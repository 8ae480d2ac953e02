package models

import (
	"time"

	"github.com/uptrace/bun"
)

// MonthlySummary is one client's month in figures, built once on the 1st.
type MonthlySummary struct {
	bun.BaseModel `bun:"table:monthly_summaries"`

	ID                int64      `bun:"id,pk,autoincrement"`
	ClientID          int64      `bun:"client_id"`
	Month             time.Time  `bun:"month"`
	RequestsSubmitted int        `bun:"requests_submitted"`
	RequestsResolved  int        `bun:"requests_resolved"`
	MinutesUsed       int        `bun:"minutes_used"`
	SLAMet            int        `bun:"sla_met"`
	SLADecided        int        `bun:"sla_decided"`
	BuiltAt           time.Time  `bun:"built_at"`
	EmailedAt         *time.Time `bun:"emailed_at"`
}
