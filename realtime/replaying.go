package realtime

import "context"

// replayKey marks the context a Renderer is called with while a connection
// catches up from the database.
type replayKey struct{}

// Replaying reports whether a Renderer is called for one connection catching
// up (a reconnect, a slow stream) rather than for a live event fanned out to
// every connection of an audience. A live render is shared by all of them,
// so it may afford to push a rendered part; a replay is paid per
// connection and per missed event, so it should only name what changed
// and let the page fetch it once.
func Replaying(ctx context.Context) bool { return ctx.Value(replayKey{}) != nil }

func replaying(ctx context.Context) context.Context {
	return context.WithValue(ctx, replayKey{}, true)
}
