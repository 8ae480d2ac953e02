package models

import "math"

// Percent is part of whole in percent, rounded to the nearest (6 of 7 is
// 86 %, not the 85 that integer division gave), except that a share short of
// the whole never reads 100 % and a share above nothing never reads 0 %:
// "100 % of targets met" must mean all of them. whole must not be 0.
func Percent(part, whole int) int {
	p := int(math.Round(float64(part) * 100 / float64(whole)))
	switch {
	case p == 100 && part < whole:
		return 99
	case p == 0 && part > 0:
		return 1
	case p == -100 && part > -whole:
		return -99
	case p == 0 && part < 0:
		return -1
	}
	return p
}
