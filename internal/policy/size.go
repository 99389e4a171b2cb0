package policy

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/mwedition/mwedition/internal/spec"
)

var sizePattern = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*$`)

var unitBytes = map[string]float64{
	"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
}

// parseSize reads "1.5GiB" as bytes.
func parseSize(s string) (int64, error) {
	m := sizePattern.FindStringSubmatch(s)
	unit, ok := 0.0, false
	if m != nil {
		unit, ok = unitBytes[m[2]]
	}
	if !ok {
		return 0, fmt.Errorf("%q is not a size: write a number and a unit, one of %s, such as \"1.5GiB\"", s, quoteList(spec.SizeUnits))
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil || n*unit < 1 || n*unit > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is not a size between 1 byte and 4 EiB", s)
	}
	return int64(n * unit), nil
}

// formatSize writes bytes for a person: "1.7 GiB (1825361100 bytes)".
func formatSize(n int64) string {
	for _, u := range []struct {
		name string
		size float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if float64(n) >= u.size {
			return fmt.Sprintf("%.1f %s (%d bytes)", float64(n)/u.size, u.name, n)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
