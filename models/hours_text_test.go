package models

import "testing"

func TestHoursTextOneFormat(t *testing.T) {
	for minutes, want := range map[int]string{20: "0.33 h", 90: "1.5 h", 120: "2 h", 0: "0 h", 5: "0.08 h"} {
		if got := HoursText(minutes); got != want {
			t.Errorf("HoursText(%d) = %q, want %q", minutes, got, want)
		}
	}
	for in, want := range map[string]string{
		"0.3333333333333333 h":              "0.33 h",
		"corrected to 1.6666666666666667 h": "corrected to 1.67 h",
		"2 h":                               "2 h",
		"no hours here":                     "no hours here",
	} {
		if got := NormalizeHoursText(in); got != want {
			t.Errorf("NormalizeHoursText(%q) = %q, want %q", in, got, want)
		}
	}
}
