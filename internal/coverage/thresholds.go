package coverage

import (
	"fmt"
	"strconv"
	"strings"
)

// Metrics names the metrics a threshold can be set on, in report order.
var Metrics = []string{"operations", "responses", "branches", "parameters", "properties"}

// Metric returns the metric of t named as in Metrics, and whether the name is one.
func (t *Totals) Metric(name string) (Metric, bool) {
	switch name {
	case "operations":
		return t.Operations, true
	case "responses":
		return t.Responses, true
	case "branches":
		return t.Branches, true
	case "parameters":
		return t.Parameters, true
	case "properties":
		return t.Properties, true
	}
	return Metric{}, false
}

// Threshold is the least percentage of one metric a run must reach.
type Threshold struct {
	Metric  string
	Percent float64
}

// Thresholds is a --min-coverage gate, in the order given.
type Thresholds []Threshold

// ParseThresholds reads "operations=100,responses=80" (a trailing % is allowed). An error
// names the entry that is wrong.
func ParseThresholds(s string) (Thresholds, error) {
	var out Thresholds
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, value, ok := strings.Cut(entry, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("%q is not METRIC=PERCENT (such as responses=80)", entry)
		}
		if _, known := (&Totals{}).Metric(name); !known {
			return nil, fmt.Errorf("%q: unknown metric %q, want one of %s", entry, name, strings.Join(Metrics, ", "))
		}
		p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), "%"), 64)
		if err != nil || p < 0 || p > 100 {
			return nil, fmt.Errorf("%q: the percentage must be a number from 0 to 100", entry)
		}
		for i, t := range out {
			if t.Metric == name {
				out = append(out[:i], out[i+1:]...)
				break
			}
		}
		out = append(out, Threshold{Metric: name, Percent: p})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no threshold in %q; give METRIC=PERCENT pairs such as operations=100,responses=80", s)
	}
	return out, nil
}

// String writes the thresholds back as ParseThresholds reads them.
func (ts Thresholds) String() string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Metric + "=" + strconv.FormatFloat(t.Percent, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

// Shortfall is a metric below its threshold.
type Shortfall struct {
	Threshold
	Got Metric
}

func (s Shortfall) String() string {
	return fmt.Sprintf("%s coverage is %s%% (%d of %d), below the required %s%%", s.Metric,
		strconv.FormatFloat(s.Got.Percent, 'f', -1, 64), s.Got.Covered, s.Got.Total, strconv.FormatFloat(s.Percent, 'f', -1, 64))
}

// Check returns the metrics of r below their thresholds, in threshold order; none when r meets
// the gate.
func (r *Report) Check(ts Thresholds) []Shortfall {
	var out []Shortfall
	for _, t := range ts {
		m, _ := r.Totals.Metric(t.Metric)
		if m.Percent < t.Percent {
			out = append(out, Shortfall{Threshold: t, Got: m})
		}
	}
	return out
}
