package inbound

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

// imapLockKey names the mailbox reader's advisory lock ("portimap").
const imapLockKey int64 = 0x706f7274_696d6170

// IMAPOptions say which mailbox the reader watches and how it waits.
type IMAPOptions struct {
	// URL is imaps://user@host:993/INBOX, or imap://user@host/INBOX with
	// STARTTLS (PORTAL_INBOUND_IMAP_URL); the path names the mailbox.
	URL      *url.URL
	Password string
	// PlainText connects to an imap:// URL without TLS: only for a mailbox
	// on the loopback interface (and tests).
	PlainText bool
	TLSConfig *tls.Config
	// PollEvery is how often a server without IDLE is asked for new mail
	// (default one minute).
	PollEvery time.Duration
	// IdleRecheck is how long one IDLE lasts at most before the reader
	// looks again anyway (default ten minutes): the guard against an
	// announcement the server queued just before IDLE began and sends only
	// with the next change (go-imap's own server does that).
	IdleRecheck time.Duration
	// Backoff is the first wait after an error; it doubles up to
	// MaxBackoff (defaults one second and five minutes).
	Backoff, MaxBackoff time.Duration
	// LockRetry is how often a process whose peer holds the reader's lock
	// tries again to take it over (default 30 seconds).
	LockRetry time.Duration
	// Processed, when set, is told of each mail once the position after it
	// is kept (tests, metrics).
	Processed func(uid uint32, out Outcome)
}

// IMAPReader watches a mailbox and hands each new mail to Process, in UID
// order. It keeps the mailbox's UIDVALIDITY and the last UID it handled in
// inbound_routes (row "imap"), so a restart resumes where it stopped; when
// UIDVALIDITY changes the old UIDs mean nothing and it starts over from the
// first mail (mail handled before is recognised by its Message-ID).
//
// A crash between Process and keeping the position reads that mail again
// after the restart, which is harmless: Process records each mail under a
// unique key (its Message-ID, or a hash of its bytes), so the second time
// it is a Duplicate and adds nothing.
//
// Only one reader runs at a time across processes: on PostgreSQL it holds
// an advisory lock on a connection of its own for as long as it reads (the
// others wait and take over when that process ends); on SQLite one process
// serves the database. It opens the mailbox read-only (EXAMINE) and fetches
// with BODY.PEEK, so it changes nothing there: flags stay as they were for
// whoever else reads that mailbox.
type IMAPReader struct {
	cfg Config
	opt IMAPOptions
}

// NewIMAPReader makes a reader; Run runs it.
func NewIMAPReader(c Config, opt IMAPOptions) *IMAPReader {
	if opt.PollEvery <= 0 {
		opt.PollEvery = time.Minute
	}
	if opt.IdleRecheck <= 0 {
		opt.IdleRecheck = 10 * time.Minute
	}
	if opt.Backoff <= 0 {
		opt.Backoff = time.Second
	}
	if opt.MaxBackoff < opt.Backoff {
		opt.MaxBackoff = max(5*time.Minute, opt.Backoff)
	}
	if opt.LockRetry <= 0 {
		opt.LockRetry = 30 * time.Second
	}
	return &IMAPReader{cfg: c, opt: opt}
}

// Run reads the mailbox until ctx ends. Errors (the server away, a refused
// sign-in, the database away) are logged and kept as the route's last
// error for the console, and the reader connects again after a wait that
// grows with each failure in a row.
func (r *IMAPReader) Run(ctx context.Context) {
	held := false // whether this process ever read (and so reported) the mailbox
	for ctx.Err() == nil {
		lock, err := r.lock(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.failed(err)
				sleep(ctx, r.opt.Backoff)
			}
			continue
		}
		held = true
		r.readWhileLocked(ctx, lock)
		lock.release()
	}
	if held {
		r.report(context.Background(), false, false, nil)
	}
}

// readWhileLocked connects, reads, and reconnects after errors, for as long
// as the lock is held.
func (r *IMAPReader) readWhileLocked(ctx context.Context, lock *readerLock) {
	wait := r.opt.Backoff
	for ctx.Err() == nil {
		if err := lock.alive(ctx); err != nil {
			if ctx.Err() == nil {
				r.failed(err)
			}
			return // take the lock again, on a new connection
		}
		connected, err := r.session(ctx, lock)
		if ctx.Err() != nil {
			return
		}
		r.failed(err)
		if connected {
			wait = r.opt.Backoff // the server was there: start the waits over
		}
		sleep(ctx, wait)
		wait = min(2*wait, r.opt.MaxBackoff)
	}
}

// failed logs err and shows it on the console.
func (r *IMAPReader) failed(err error) {
	r.cfg.Log.Warn("inbound IMAP reader", "error", err)
	r.report(context.Background(), false, false, err)
}

func (r *IMAPReader) report(ctx context.Context, connected, mail bool, failure error) {
	if err := models.ReportInboundRoute(ctx, r.cfg.DB, RouteIMAP, connected, mail, failure); err != nil {
		r.cfg.Log.Warn("inbound route status", "error", err)
	}
}

// session is one connection: sign in, open the mailbox, then read new mail
// and wait for more until an error. connected says whether the mailbox was
// opened (the server is reachable and the sign-in works).
func (r *IMAPReader) session(ctx context.Context, lock *readerLock) (connected bool, err error) {
	u := r.opt.URL
	// The server announces new mail (EXISTS) at any time, during IDLE or
	// with the answer to another command; wake remembers it until the
	// reader next waits.
	wake := make(chan struct{}, 1)
	opts := &imapclient.Options{TLSConfig: r.opt.TLSConfig, UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		},
	}}
	c, err := r.dial(opts)
	if err != nil {
		return false, fmt.Errorf("inbound IMAP: connect to %s: %w", u.Host, err)
	}
	defer c.Close()
	// Closing the connection when ctx ends unblocks whatever waits on it.
	defer context.AfterFunc(ctx, func() { c.Close() })()

	if err := c.Login(u.User.Username(), r.opt.Password).Wait(); err != nil {
		return false, fmt.Errorf("inbound IMAP: sign in as %s: %w", u.User.Username(), err)
	}
	name := mailboxName(u)
	sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return false, fmt.Errorf("inbound IMAP: open mailbox %s: %w", name, err)
	}
	validity := int64(sel.UIDValidity)
	pos, err := models.GetInboundRoute(ctx, r.cfg.DB, RouteIMAP)
	if err != nil {
		return false, err
	}
	last := pos.LastUID
	if pos.UIDValidity != validity {
		// A new UIDVALIDITY (the mailbox was recreated, or this is another
		// mailbox): the UIDs kept belong to the old one.
		last = 0
		if err := models.SetMailboxPosition(ctx, r.cfg.DB, RouteIMAP, validity, 0); err != nil {
			return false, err
		}
	}
	r.report(ctx, true, false, nil)
	r.cfg.Log.Info("reading replies by e-mail", "imap", u.Scheme+"://"+u.User.Username()+"@"+u.Host+"/"+name,
		"idle", canIdle(c), "uidvalidity", validity, "last_uid", last)
	for {
		if last, err = r.readNew(ctx, c, lock, validity, last); err != nil {
			return true, err
		}
		if canIdle(c) {
			err = r.idle(ctx, c, wake)
		} else {
			err = r.poll(ctx, c)
		}
		if err != nil {
			return true, err
		}
	}
}

func (r *IMAPReader) dial(opts *imapclient.Options) (*imapclient.Client, error) {
	u := r.opt.URL
	addr := u.Host
	if u.Port() == "" {
		port := "143"
		if u.Scheme == "imaps" {
			port = "993"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	switch {
	case u.Scheme == "imaps":
		return imapclient.DialTLS(addr, opts)
	case r.opt.PlainText:
		return imapclient.DialInsecure(addr, opts)
	default:
		return imapclient.DialStartTLS(addr, opts)
	}
}

// mailboxName is the URL's path, INBOX when there is none.
func mailboxName(u *url.URL) string {
	if name := strings.Trim(u.Path, "/"); name != "" {
		return name
	}
	return "INBOX"
}

func canIdle(c *imapclient.Client) bool {
	caps := c.Caps()
	return caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2)
}

// readNew handles every mail after UID last, in order, and returns the new
// last UID. A mail Process cannot finish (the database or the file store
// failed) stops the round with an error: the position stays before it and
// it is read again after the reconnect. Mail that is merely bad (broken,
// too large, unmatched) is held by Process and the reader moves on.
func (r *IMAPReader) readNew(ctx context.Context, c *imapclient.Client, lock *readerLock, validity, last int64) (int64, error) {
	var after imap.UIDSet
	after.AddRange(imap.UID(last+1), 0) // last+1:*
	found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{after}}, nil).Wait()
	if err != nil {
		return last, fmt.Errorf("inbound IMAP: look for new mail: %w", err)
	}
	uids := found.AllUIDs()
	slices.Sort(uids)
	for _, uid := range uids {
		// "n:*" always includes the newest mail, even when its UID is below n.
		if int64(uid) <= last {
			continue
		}
		if err := lock.alive(ctx); err != nil {
			return last, err
		}
		out, err := r.readOne(ctx, c, validity, uid)
		if err != nil {
			return last, err
		}
		if err := models.SetMailboxPosition(ctx, r.cfg.DB, RouteIMAP, validity, int64(uid)); err != nil {
			return last, err
		}
		last = int64(uid)
		r.report(ctx, true, true, nil)
		if r.opt.Processed != nil {
			r.opt.Processed(uint32(uid), out)
		}
	}
	return last, nil
}

// readOne fetches one mail and hands it to Process. With a size limit the
// mail's size (RFC822.SIZE) and envelope come first: a mail over the limit
// is held from what they say, and its body is never downloaded.
func (r *IMAPReader) readOne(ctx context.Context, c *imapclient.Client, validity int64, uid imap.UID) (Outcome, error) {
	if r.cfg.MaxBytes > 0 {
		head, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, RFC822Size: true, Envelope: true}).Collect()
		if err != nil {
			return Outcome{}, fmt.Errorf("inbound IMAP: fetch the size of mail %d: %w", uid, err)
		}
		if len(head) == 0 {
			return Outcome{Status: models.InboundIgnored, Reason: "deleted from the mailbox before it was read"}, nil
		}
		if r.cfg.tooLarge(head[0].RFC822Size) != "" {
			u := Unread{Route: RouteIMAP, OtherKey: fmt.Sprintf("imap:%d:%d", validity, uid), Size: head[0].RFC822Size}
			if env := head[0].Envelope; env != nil {
				u.MessageID, u.Subject = env.MessageID, env.Subject
				if len(env.From) > 0 {
					u.From = env.From[0].Addr()
				}
			}
			out, err := HoldUnread(ctx, r.cfg, u)
			if err != nil {
				return out, fmt.Errorf("inbound IMAP: mail %d: %w", uid, err)
			}
			r.cfg.Log.InfoContext(ctx, "inbound mail held unread: too large", "uid", uid, "size", u.Size)
			return out, nil
		}
	}
	whole := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{whole}}).Collect()
	if err != nil {
		return Outcome{}, fmt.Errorf("inbound IMAP: fetch mail %d: %w", uid, err)
	}
	if len(msgs) == 0 {
		// Deleted from the mailbox since the search: nothing to read.
		return Outcome{Status: models.InboundIgnored, Reason: "deleted from the mailbox before it was read"}, nil
	}
	raw := msgs[0].FindBodySection(whole)
	out, err := Process(ctx, r.cfg, raw, Envelope{Route: RouteIMAP})
	if err != nil {
		return out, fmt.Errorf("inbound IMAP: mail %d: %w", uid, err)
	}
	if out.Status == models.InboundHeld {
		r.cfg.Log.InfoContext(ctx, "inbound mail held", "uid", uid, "reason", out.Reason)
	}
	return out, nil
}

// idle waits with IDLE until the server announces mail, the connection
// ends or ctx ends. A NOOP first collects what the server announced since
// the last search (mail that came meanwhile ends the wait at once), and
// the wait ends after IdleRecheck anyway, so that an announcement lost
// between the NOOP and IDLE delays mail by that much at most.
func (r *IMAPReader) idle(ctx context.Context, c *imapclient.Client, wake <-chan struct{}) error {
	if err := c.Noop().Wait(); err != nil {
		return fmt.Errorf("inbound IMAP: NOOP: %w", err)
	}
	cmd, err := c.Idle()
	if err != nil {
		return fmt.Errorf("inbound IMAP: IDLE: %w", err)
	}
	t := time.NewTimer(r.opt.IdleRecheck)
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
	case <-ctx.Done():
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("inbound IMAP: end IDLE: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("inbound IMAP: IDLE: %w", err)
	}
	return ctx.Err()
}

// poll waits PollEvery on a server without IDLE; a NOOP then makes sure
// the connection still works before the next search.
func (r *IMAPReader) poll(ctx context.Context, c *imapclient.Client) error {
	sleep(ctx, r.opt.PollEvery)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Noop().Wait(); err != nil {
		return fmt.Errorf("inbound IMAP: NOOP: %w", err)
	}
	return nil
}

// readerLock is the right to read the mailbox: on PostgreSQL an advisory
// lock held by a connection kept for it, on SQLite nothing (one process).
type readerLock struct {
	conn *bun.Conn
}

// lock waits until this process may read the mailbox.
func (r *IMAPReader) lock(ctx context.Context) (*readerLock, error) {
	if !models.IsPostgres(r.cfg.DB) {
		return &readerLock{}, nil
	}
	for {
		conn, err := r.cfg.DB.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("inbound IMAP: lock connection: %w", err)
		}
		var got bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", imapLockKey).Scan(&got); err != nil {
			conn.Close()
			return nil, fmt.Errorf("inbound IMAP: take the reader's lock: %w", err)
		}
		if got {
			return &readerLock{conn: &conn}, nil
		}
		conn.Close()
		// Another process reads the mailbox; take over if it stops.
		if !sleep(ctx, r.opt.LockRetry) {
			return nil, ctx.Err()
		}
	}
}

// alive checks that the lock's connection (and so the lock) still stands.
func (l *readerLock) alive(ctx context.Context) error {
	if l.conn == nil {
		return nil
	}
	if _, err := l.conn.ExecContext(ctx, "SELECT 1"); err != nil {
		return fmt.Errorf("inbound IMAP: the reader's lock connection: %w", err)
	}
	return nil
}

func (l *readerLock) release() {
	if l.conn == nil {
		return
	}
	// Closing the connection ends its session and with it the lock; an
	// explicit unlock first returns a clean connection to the pool.
	l.conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", imapLockKey) //nolint:errcheck // a broken connection has lost the lock already
	l.conn.Close()
}

// sleep waits d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
