//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package models

import (
	"errors"
	"syscall"
)

// peerSpoke peeks at the socket without blocking or consuming anything: true
// when bytes or the end of the stream are waiting, or the socket failed.
func peerSpoke(fd uintptr) bool {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR) {
		return false // nothing waiting: alive
	}
	return true // a byte, the end of the stream (0 bytes, no error) or a socket error
}
