package models

import (
	"context"
	"database/sql/driver"
	"net"
	"syscall"

	"github.com/uptrace/bun/driver/pgdriver"
)

// checkPooledConn runs before database/sql hands out a pooled PostgreSQL
// connection again. An idle connection is never sent anything by the server
// except the notice that it is going away (a restart, pg_terminate_backend, a
// proxy timing it out), followed by the end of the stream; either one waiting
// in the socket means the connection is dead. Answering driver.ErrBadConn
// makes database/sql discard it and take another or dial a new one, so the
// request does not fail on a connection that died while it sat in the pool.
func checkPooledConn(_ context.Context, cn *pgdriver.Conn) error {
	c := cn.Conn()
	if tc, ok := c.(interface{ NetConn() net.Conn }); ok { // TLS: look at the TCP stream beneath
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return driver.ErrBadConn
	}
	dead := false
	// Control, not Read: Read would honour a read deadline left over from the
	// connection's last query and report every idle connection as timed out.
	if err := raw.Control(func(fd uintptr) { dead = peerSpoke(fd) }); err != nil {
		return driver.ErrBadConn
	}
	if dead {
		return driver.ErrBadConn
	}
	return nil
}
