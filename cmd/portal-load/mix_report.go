package main

import (
	"fmt"
	"sort"
	"time"
)

// mixRow is one row of the mix's table.
type mixRow struct {
	name                   string
	count                  int
	p50, p90, p99, longest time.Duration
}

// quantiles sorts lat and reads the row's figures from it.
func quantiles(name string, lat []time.Duration) mixRow {
	if len(lat) == 0 {
		return mixRow{name: name}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
	return mixRow{name: name, count: len(lat), p50: q(0.50), p90: q(0.90), p99: q(0.99), longest: lat[len(lat)-1]}
}

// report prints one row per kind of step, the views per second (full pages;
// the badge and the staff replies are counted apart), the p99 of the mix's
// median page, and flags every row whose p99 is more than three times it
// (issue 18's rule for a page that is out of line with the rest). It
// returns the views counted.
func (m *mixer) report(lat [][]time.Duration, elapsed time.Duration, stmts []string, load0, load1 string) (int, error) {
	rows := make([]mixRow, len(m.rows))
	views, all := 0, 0
	for k, name := range m.rows {
		rows[k] = quantiles(name, lat[k])
		all += rows[k].count
		if name == badgeStep || name == replyStep {
			continue
		}
		if rows[k].count == 0 {
			return 0, fmt.Errorf("%s: no view completed", name)
		}
		views += rows[k].count
	}
	median := medianPageP99(rows)

	fmt.Printf("%-22s %7s %9s %9s %9s %9s %6s\n", "page", "count", "p50", "p90", "p99", "max", "stmts")
	for k, r := range rows {
		flag := ""
		if outOfLine(r, median) {
			flag = "  <- p99 over 3x the median page's"
		}
		if r.count == 0 {
			fmt.Printf("%-22s %7d %9s %9s %9s %9s %6s\n", r.name, 0, "-", "-", "-", "-", stmts[k])
			continue
		}
		fmt.Printf("%-22s %7d %9s %9s %9s %9s %6s%s\n", r.name, r.count, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.longest), stmts[k], flag)
	}
	fmt.Printf("views: %d in %s = %.0f views/s (all requests incl. badges and replies: %.0f/s)\n",
		views, elapsed.Round(time.Millisecond), float64(views)/elapsed.Seconds(), float64(all)/elapsed.Seconds())
	fmt.Printf("median page p99 %s (3x: %s); load average (1 min) %s at start, %s at end\n",
		ms(median), ms(3*median), load0, load1)
	return views, nil
}

// medianPageP99 is the p99 of the mix's median page: of the rows that are
// pages (not the badge, not the staff reply), the middle one by p99.
func medianPageP99(rows []mixRow) time.Duration {
	var p99 []time.Duration
	for _, r := range rows {
		if r.name != badgeStep && r.name != replyStep && r.count > 0 {
			p99 = append(p99, r.p99)
		}
	}
	if len(p99) == 0 {
		return 0
	}
	sort.Slice(p99, func(i, j int) bool { return p99[i] < p99[j] })
	return p99[len(p99)/2]
}

// outOfLine is issue 18's rule: a p99 more than three times the median
// page's.
func outOfLine(r mixRow, median time.Duration) bool {
	return r.count > 0 && r.p99 > 3*median
}
