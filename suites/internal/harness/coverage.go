package harness

import (
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/checks"
)

// CheckCoverage fails the suite unless every catalogue requirement of the
// given groups is the label of exactly one spec in report. Call it from
// ReportAfterSuite: filtered-out specs are in the report too, so it holds
// under --label-filter as well.
func CheckCoverage(report types.Report, groups ...string) {
	specs := map[string][]string{}
	for _, s := range report.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		for _, l := range s.Labels() {
			if _, ok := checks.Lookup(l); ok {
				specs[l] = append(specs[l], s.FullText())
			}
		}
	}
	var problems []string
	for _, r := range checks.Catalogue() {
		if !contains(groups, r.Group()) {
			continue
		}
		switch n := len(specs[r.ID]); {
		case n == 0:
			problems = append(problems, r.ID+" has no spec")
		case n > 1:
			problems = append(problems, fmt.Sprintf("%s has %d specs: %s", r.ID, n,
				strings.Join(specs[r.ID], "; ")))
		}
	}
	if len(problems) > 0 {
		ginkgo.Fail("requirement coverage: " + strings.Join(problems, ", "))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
