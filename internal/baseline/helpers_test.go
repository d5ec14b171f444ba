package baseline

import "github.com/pyward/pyward/internal/audit"

// New returns a baseline of the given findings.
func New(source string, findings []audit.Finding) *Baseline {
	b := &Baseline{Source: source, keys: map[string]bool{}}
	for i := range findings {
		b.add(&findings[i])
	}
	return b
}

func (b *Baseline) add(f *audit.Finding) {
	for _, k := range Keys(f) {
		b.keys[k] = true
	}
}

// Len is the number of identities recorded (an advisory with aliases
// counts once per ID).
func (b *Baseline) Len() int { return len(b.keys) }
