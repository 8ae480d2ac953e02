package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// On a shared machine the wall-clock figures say as much about the others'
// work as about the portal's. The CPU the portal process and its database
// backends spent during the run, per view, does not depend on who else is
// running: cpuMeter reads it from /proc (Linux, server on the same host).

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times (100 on Linux).
const clockTick = 100

// cpuMeter holds the CPU times at the start of a run.
type cpuMeter struct {
	pid      int            // the portal process; 0, not measured
	backends map[int]uint64 // PostgreSQL backends of the portal's database
	server   uint64
}

// startCPU reads the portal's CPU time (when pid is set) and that of the
// PostgreSQL backends connected to db's database (none on SQLite).
func startCPU(ctx context.Context, db *bun.DB, pid int) *cpuMeter {
	m := &cpuMeter{pid: pid, backends: map[int]uint64{}}
	if pid > 0 {
		m.server, _ = cpuTicks(pid)
	}
	var pids []int
	// Only the backends of this database: other databases on the same
	// server may be busy with someone else's work.
	if err := db.NewRaw("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").
		Scan(ctx, &pids); err == nil {
		for _, p := range pids {
			if t, err := cpuTicks(p); err == nil {
				m.backends[p] = t
			}
		}
	}
	return m
}

// report prints the CPU spent since start per view. Backends that ended
// during the run are not counted, so the database figure is a floor.
func (m *cpuMeter) report(views int) {
	if views == 0 {
		return
	}
	per := func(ticks uint64) string {
		d := time.Duration(ticks) * time.Second / clockTick
		return strconv.FormatFloat(float64(d.Microseconds())/1000/float64(views), 'f', 2, 64) + " ms"
	}
	var parts []string
	if m.pid > 0 {
		if t, err := cpuTicks(m.pid); err == nil {
			parts = append(parts, "portal process "+per(t-m.server))
		}
	}
	if len(m.backends) > 0 {
		var sum uint64
		for p, t0 := range m.backends {
			if t, err := cpuTicks(p); err == nil && t >= t0 {
				sum += t - t0
			}
		}
		parts = append(parts, fmt.Sprintf("PostgreSQL (%d backends of its database) %s", len(m.backends), per(sum)))
	}
	if len(parts) > 0 {
		fmt.Printf("CPU per view (with its unread badge and its share of the staff replies): %s\n", strings.Join(parts, ", "))
	}
}

// cpuTicks is a process's user+system CPU time in clock ticks.
func cpuTicks(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14 and stime 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	k, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unreadable times", pid)
	}
	return u + k, nil
}
