package handlers

import (
	"strconv"

	"github.com/portal-msp/portal/models"
)

// TrendChart is a summary's 12-month trend drawn as SVG on the server: two
// bar panels (requests submitted, hours used) over shared month labels. The
// template (partials/summary.html, "trend-chart") only places what is
// computed here, so the chart needs no JavaScript and html/template escapes
// every piece of text in it. The viewBox is narrow enough to stay readable
// at phone width; a table beside it carries the same figures for screen
// readers and for anyone who prefers numbers.
type TrendChart struct {
	Width, Height int
	AxisEnd       int // x where the baselines end
	Title, Desc   string
	Panels        []ChartPanel
	Months        []ChartLabel
}

// ChartPanel is one series: its heading, its baseline and its bars.
type ChartPanel struct {
	Heading  string
	HeadingY int
	Baseline int // y of the bars' foot
	LabelY   int // y of the month names under it
	Fill     string
	Bars     []ChartBar
}

// ChartBar is one month's bar with its value written above it.
type ChartBar struct {
	X, Y, W, H int
	Value      string
	ValueX     int
	ValueY     int
	Current    bool // the summary's own month, drawn darker
}

// ChartLabel is a month's name under the bars.
type ChartLabel struct {
	X    int
	Text string
}

// Chart geometry, in viewBox units.
const (
	chartWidth   = 336
	chartMargin  = 6
	chartBarArea = 60 // tallest bar
	chartPanelH  = 106
)

// newTrendChart lays out trend (oldest first, the summary's month last).
func newTrendChart(trend []models.TrendMonth) TrendChart {
	ch := TrendChart{Width: chartWidth, Height: 2 * chartPanelH, AxisEnd: chartWidth - chartMargin,
		Title: "Requests and hours, last 12 months"}
	if len(trend) == 0 {
		return ch
	}
	ch.Desc = "Bar charts of requests submitted and hours used per month, " + trend[0].Label() + " to " +
		trend[len(trend)-1].Label() + ". The table beside the chart lists the same figures."
	slot := (chartWidth - 2*chartMargin) / len(trend)
	barW := slot * 2 / 3
	series := []struct {
		heading, fill string
		value         func(models.TrendMonth) int
		text          func(int) string
	}{
		{"Requests submitted", "#2563eb", func(m models.TrendMonth) int { return m.RequestsSubmitted }, strconv.Itoa},
		{"Hours used", "#059669", func(m models.TrendMonth) int { return m.MinutesUsed }, hoursNumberText},
	}
	for i, s := range series {
		top := i * chartPanelH
		p := ChartPanel{Heading: s.heading, HeadingY: top + 14, Baseline: top + 30 + chartBarArea, Fill: s.fill}
		p.LabelY = p.Baseline + 12
		most := 0
		for _, m := range trend {
			most = max(most, s.value(m))
		}
		for j, m := range trend {
			v := s.value(m)
			h := 0
			if most > 0 {
				h = v * chartBarArea / most
			}
			if v > 0 {
				h = max(h, 1) // a small month still shows
			}
			x := chartMargin + j*slot + (slot-barW)/2
			b := ChartBar{X: x, W: barW, H: h, Y: p.Baseline - h, ValueX: x + barW/2, ValueY: p.Baseline - h - 3,
				Current: j == len(trend)-1}
			if m.Built {
				b.Value = s.text(v)
			}
			p.Bars = append(p.Bars, b)
		}
		ch.Panels = append(ch.Panels, p)
	}
	for j, m := range trend {
		ch.Months = append(ch.Months, ChartLabel{X: chartMargin + j*slot + slot/2, Text: m.Month.Format("Jan")})
	}
	return ch
}

// hoursNumberText is minutes as hours without the unit (the panel says it):
// "1.5", "12".
func hoursNumberText(minutes int) string {
	s := models.HoursText(minutes)
	return s[:len(s)-len(" h")]
}
