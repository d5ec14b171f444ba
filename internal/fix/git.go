package fix

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// maxBranchIDs is how many advisory IDs a generated branch name spells
// out; a hash of the whole set keeps longer names unique.
const maxBranchIDs = 2

// BranchName names the branch of one lock group: name (the user's), else
// pyward/fix-ID[-ID][-and-N-more-HASH]; a group below the repository root
// adds its directory, so that each group has its own branch.
func BranchName(name string, ids []string, dir string, groups int) string {
	if name != "" {
		if groups > 1 && dir != "." {
			name += "-" + slug(dir)
		}
		return name
	}
	shown := ids
	if len(shown) > maxBranchIDs {
		shown = shown[:maxBranchIDs]
	}
	name = "pyward/fix-" + slug(strings.Join(shown, "-"))
	if len(ids) > maxBranchIDs {
		sum := sha256.Sum256([]byte(strings.Join(ids, ",")))
		name += fmt.Sprintf("-and-%d-more-%s", len(ids)-maxBranchIDs, hex.EncodeToString(sum[:4]))
	}
	if dir != "." {
		name += "-" + slug(dir)
	}
	return name
}

// slug keeps [a-z0-9._-] of s, lower-cased, with every other run of
// characters made one "-": safe in a git branch name.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-.")
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	return out
}

// maxSubject is the longest commit subject line written.
const maxSubject = 72

// CommitMessage is a conventional commit for one lock group: its subject
// (the pull request's title too) and the whole message, listing every
// change and the advisories; paths are the group's lock paths as
// committed.
func CommitMessage(grp Group, ids []string, paths []string) (subject, message string) {
	var targeted []Change
	for _, r := range grp.Reports {
		for _, c := range r.Result.Changes {
			if c.Targeted {
				targeted = append(targeted, c)
			}
		}
	}
	where := ""
	if grp.Dir != "." {
		where = " in " + grp.Dir
	}
	switch {
	case len(targeted) == 1:
		c := targeted[0]
		subject = fmt.Sprintf("fix(deps): bump %s from %s to %s%s", c.Package, c.From, c.To, where)
	default:
		subject = fmt.Sprintf("fix(deps): bump %d vulnerable packages%s", len(targeted), where)
	}
	if len(subject) > maxSubject {
		subject = fmt.Sprintf("fix(deps): bump %d vulnerable package(s)", len(targeted))
	}
	var b strings.Builder
	b.WriteString(subject + "\n\n")
	for i, r := range grp.Reports {
		fmt.Fprintf(&b, "%s:\n", paths[i])
		for _, c := range r.Result.Changes {
			from, to := c.From, c.To
			if from == "" {
				from = "(new)"
			}
			if to == "" {
				to = "(removed)"
			}
			fmt.Fprintf(&b, "- %s %s -> %s", c.Package, from, to)
			if len(c.Advisories) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(c.Advisories, ", "))
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "\nPyward-Advisories: %s\n", strings.Join(ids, ", "))
	return subject, b.String()
}
