package audit

import "github.com/pyward/pyward/internal/inventory"

// Max returns the highest severity among the findings, and false when there
// are none.
func (r *Report) Max() (Severity, bool) {
	if len(r.Findings) == 0 {
		return 0, false
	}
	max := r.Findings[0].Severity
	for _, f := range r.Findings[1:] {
		if f.Severity > max {
			max = f.Severity
		}
	}
	return max, true
}

// ScanIndexConfig is ScanMachineConfig plus ScanSourceConfig.
func ScanIndexConfig(env ConfigEnv, invs []*inventory.Inventory, pyprojects []string) ([]Finding, []error) {
	out, errs := ScanMachineConfig(env)
	more, moreErrs := ScanSourceConfig(env.ReadFile, invs, pyprojects)
	return append(out, more...), append(errs, moreErrs...)
}
