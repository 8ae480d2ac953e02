package models

import (
	"time"

	"github.com/uptrace/bun"
)

// TimeEntry is staff time logged on a request; it counts against the client's
// hour bank for the period its work date falls in.
type TimeEntry struct {
	bun.BaseModel `bun:"table:time_entries"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ClientID  int64     `bun:"client_id"`
	RequestID int64     `bun:"request_id"`
	StaffID   int64     `bun:"staff_id"`
	Minutes   int       `bun:"minutes"`
	WorkDate  time.Time `bun:"work_date"`
	Note      string    `bun:"note"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}
