package demo

import (
	"context"
	"fmt"

	"github.com/portal-msp/portal/models"
)

// recordPolicyVersion records policy's settings as the version the demo's
// requests started under (their clock histories read it), dated a year
// back: the demo's policies were in force before its oldest request.
func (l *demoLoader) recordPolicyVersion(ctx context.Context, policy *models.SLAPolicyBundle) (*int64, error) {
	id, err := models.RecordPolicyVersion(ctx, l.tx, policy)
	if err != nil || id == nil {
		return id, err
	}
	if _, err := l.tx.NewUpdate().Model((*models.SLAPolicyVersion)(nil)).Set("created_at = ?", l.now.AddDate(-1, 0, 0)).
		Where("id = ?", *id).Where("created_at > ?", l.now.AddDate(-1, 0, 0)).Exec(ctx); err != nil {
		return nil, fmt.Errorf("demo: date SLA policy version %d: %w", *id, err)
	}
	return id, nil
}
