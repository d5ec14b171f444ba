package lockfile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// AttestationIdentity is a publisher identity (PEP 751
// [[packages.attestation-identities]]): the Trusted Publisher kind as PyPI
// names it ("GitHub", "GitLab", "Google", "ActiveState") and its claims
// (GitHub: repository, workflow, environment; GitLab: repository,
// workflow_filepath, environment; Google: email; ActiveState: subject,
// organization, project).
type AttestationIdentity struct {
	Kind   string
	Claims map[string]string
}

// String renders the identity as `kind claim=value ...`, claims sorted; a
// space, '%', '=' or control character in a value is written %XX. It is the
// form of requirements.txt comments and messages; ParseAttestationIdentity
// reads it back.
func (id AttestationIdentity) String() string {
	var b strings.Builder
	b.WriteString(escapeClaim(id.Kind))
	for _, k := range slices.Sorted(maps.Keys(id.Claims)) {
		fmt.Fprintf(&b, " %s=%s", escapeClaim(k), escapeClaim(id.Claims[k]))
	}
	return b.String()
}

// Equal reports whether two identities have the same kind and claims.
// Repository, email, organization and project claims compare
// case-insensitively, as GitHub, GitLab, Google and ActiveState treat them.
func (id AttestationIdentity) Equal(o AttestationIdentity) bool {
	if id.Kind != o.Kind || len(id.Claims) != len(o.Claims) {
		return false
	}
	for k, v := range id.Claims {
		w, ok := o.Claims[k]
		if !ok || !ClaimEqual(k, v, w) {
			return false
		}
	}
	return true
}

// ClaimEqual compares two values of claim k (see Equal).
func ClaimEqual(k, a, b string) bool {
	switch k {
	case "repository", "email", "organization", "project":
		return strings.EqualFold(a, b)
	}
	return a == b
}

// ParseAttestationIdentity reads the String form.
func ParseAttestationIdentity(s string) (AttestationIdentity, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return AttestationIdentity{}, fmt.Errorf("empty publisher identity")
	}
	kind, err := unescapeClaim(fields[0])
	if err != nil {
		return AttestationIdentity{}, fmt.Errorf("publisher identity %q: %w", s, err)
	}
	id := AttestationIdentity{Kind: kind, Claims: map[string]string{}}
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" || v == "" {
			return AttestationIdentity{}, fmt.Errorf("publisher identity %q: claim %q is not key=value", s, f)
		}
		if k, err = unescapeClaim(k); err == nil {
			v, err = unescapeClaim(v)
		}
		if err != nil {
			return AttestationIdentity{}, fmt.Errorf("publisher identity %q: %w", s, err)
		}
		if _, dup := id.Claims[k]; dup {
			return AttestationIdentity{}, fmt.Errorf("publisher identity %q: claim %q repeats", s, k)
		}
		id.Claims[k] = v
	}
	return id, nil
}

func escapeClaim(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '%' || c == '=' || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unescapeClaim(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}
