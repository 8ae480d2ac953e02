package models

import (
	"context"
	"fmt"
	"sync"

	"github.com/alexedwards/argon2id"
)

// Password hashing is the one place where a request costs real memory: an
// argon2id hash holds its whole memory parameter while it runs. Left
// unbounded, 40 concurrent sign-ins for unknown addresses took the process
// to 2.6 GB. So at most MaxHashesInFlight hashes run at once; the rest wait
// their turn (or give up when their request ends).
//
// The parameters are OWASP's second argon2id configuration (19 MiB, two
// passes, one lane), as strong as its 46 MiB single-pass one. With two cores,
// more than four hashes at once only queue for the CPU; four at 19 MiB is
// 76 MiB at most, a small share of a 24 GiB (or even a 1 GiB) machine.
const (
	MaxHashesInFlight = 4
	HashMemoryKiB     = 19 * 1024
)

var argonParams = &argon2id.Params{
	Memory: HashMemoryKiB, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32,
}

// hashSlots is the semaphore that bounds the hashes in flight.
var hashSlots = make(chan struct{}, MaxHashesInFlight)

// withHashSlot runs fn once a slot is free, or returns the context's error.
func withHashSlot(ctx context.Context, fn func()) error {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("models: wait for a password hash slot: %w", ctx.Err())
	}
	defer func() { <-hashSlots }()
	fn()
	return nil
}

// HashPassword returns the argon2id hash of a password in PHC format.
func HashPassword(password string) (string, error) {
	return hashPassword(context.Background(), password)
}

func hashPassword(ctx context.Context, password string) (string, error) {
	var h string
	var err error
	if werr := withHashSlot(ctx, func() { h, err = argon2id.CreateHash(password, argonParams) }); werr != nil {
		return "", werr
	}
	if err != nil {
		return "", fmt.Errorf("models: hash password: %w", err)
	}
	return h, nil
}

// comparePassword reports whether password matches hash; a malformed hash
// or a request that ended while waiting is a mismatch.
func comparePassword(ctx context.Context, password, hash string) bool {
	var ok bool
	var err error
	if werr := withHashSlot(ctx, func() { ok, err = argon2id.ComparePasswordAndHash(password, hash) }); werr != nil {
		return false
	}
	return err == nil && ok
}

// dummyHash is compared against when an e-mail is unknown so that a failed
// sign-in takes as long whether or not the account exists.
// It is made on first use, not at start-up, to keep start-up light.
var dummyHash = sync.OnceValue(func() string {
	h, _ := argon2id.CreateHash("portal-dummy-password", argonParams)
	return h
})
