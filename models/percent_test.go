package models

import "testing"

func TestPercentRounds(t *testing.T) {
	for _, c := range []struct{ part, whole, want int }{
		{6, 7, 86}, {1, 3, 33}, {2, 3, 67}, {1, 2, 50}, {7, 7, 100}, {0, 7, 0},
		{199, 200, 99}, {1, 1000, 1}, // never all, never none, when it is not so
		{-1, 3, -33}, {-2, 3, -67}, {-7, 7, -100}, {-1, 1000, -1}, {9, 7, 129},
	} {
		if got := Percent(c.part, c.whole); got != c.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", c.part, c.whole, got, c.want)
		}
	}
}
