package rules

import "testing"

// Error, Breaking and Failure rank the same, above Warning and Info; None ranks above all, so
// that no finding reaches it; an unknown level ranks below all.
func TestRank(t *testing.T) {
	order := [][]Level{{"unknown"}, {Info}, {Warning}, {Error, Breaking, Failure}, {None}}
	for i, same := range order {
		for _, l := range same {
			if l.Rank() != order[i][0].Rank() || i > 0 && l.Rank() <= order[i-1][0].Rank() {
				t.Errorf("%s ranks %d, out of order %v", l, l.Rank(), order)
			}
		}
	}
}

func TestLevelOf(t *testing.T) {
	table := []Rule{{ID: "a.b", Level: Warning, Summary: "x"}}
	if got := LevelOf(table, "a.b", Error); got != Warning {
		t.Errorf("LevelOf(a.b) = %s, want warning", got)
	}
	if got := LevelOf(table, "c.d", Failure); got != Failure {
		t.Errorf("LevelOf(c.d) = %s, want the default, failure", got)
	}
}
