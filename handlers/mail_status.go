package handlers

import "path/filepath"

// Without PORTAL_SMTP_HOST the portal writes its mail to the outbox folder
// and nobody receives it. The pages say so: admins see a banner (in the
// console and beside the portal links they hand out), and a person who would
// be told "we sent you an e-mail" is told instead that nothing was sent and
// whom to ask, rather than being left waiting for a mail that never comes.

// mailOff reports whether outgoing mail only reaches the outbox folder.
func (s *Server) mailOff() bool { return s.cfg.SMTPHost == "" }

// mailOutbox is the folder mail is written to while mailOff holds, for the
// admins' banner.
func (s *Server) mailOutbox() string { return filepath.Join(s.cfg.DataDir, "outbox") }
