package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
)

// MaxHistory bounds how many revisions of a file FileHistory reads: a lock
// changes with each dependency update, and fifty of them cover months of a
// busy project while keeping the cost of reading and parsing them bounded.
const MaxHistory = 50

// Revision is a file's content at one commit.
type Revision struct {
	Commit string // full hash
	Date   string // committer date, ISO 8601 (git's %cI)
	Data   []byte
}

// FileHistory returns the last n (at most MaxHistory; n <= 0 means
// MaxHistory) commits reachable from HEAD that changed path, oldest first,
// each with the file's bytes at that commit. path is relative to the root,
// slash-separated (Rel), and is taken literally, not as a pattern. A commit
// in which the file does not exist (deleted, or renamed away) is left out.
//
// It costs two git processes whatever n is: git log lists the commits, and
// one git cat-file --batch reads every revision's blob.
func (r *Repo) FileHistory(ctx context.Context, path string, n int) ([]Revision, error) {
	if n <= 0 || n > MaxHistory {
		n = MaxHistory
	}
	out, err := r.Git(ctx, "--literal-pathspecs", "log", "--format=%H %cI", "-n", strconv.Itoa(n), "--", path)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", path, err)
	}
	var revs []Revision
	var req bytes.Buffer
	for line := range strings.Lines(out) {
		hash, date, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		revs = append(revs, Revision{Commit: hash, Date: date})
		fmt.Fprintf(&req, "%s:%s\n", hash, path)
	}
	if len(revs) == 0 {
		return nil, nil
	}
	blobs, err := run(ctx, r.Root, nil, req.Bytes(), "cat-file", "--batch")
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", path, err)
	}
	rest := []byte(blobs)
	kept := revs[:0]
	for _, rev := range revs {
		data, tail, found, err := nextBlob(rest)
		if err != nil {
			return nil, fmt.Errorf("history of %s at %s: %w", path, rev.Commit, err)
		}
		rest = tail
		if found {
			rev.Data = data
			kept = append(kept, rev)
		}
	}
	// git log lists the newest first.
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		kept[i], kept[j] = kept[j], kept[i]
	}
	return kept, nil
}

// nextBlob reads one answer of git cat-file --batch from out: a header
// "<oid> <type> <size>" followed by size bytes and a newline, or a single
// line "<object> missing" (or "ambiguous") for a name that resolves to no
// object. found is false for those, and for an object that is not a blob
// (a directory or submodule at that path).
func nextBlob(out []byte) (data, rest []byte, found bool, err error) {
	header, rest, ok := bytes.Cut(out, []byte("\n"))
	if !ok {
		return nil, nil, false, fmt.Errorf("git cat-file: truncated output")
	}
	fields := strings.Fields(string(header))
	if len(fields) == 3 {
		size, err := strconv.Atoi(fields[2])
		if err != nil || size < 0 || size+1 > len(rest) {
			return nil, nil, false, fmt.Errorf("git cat-file: bad header %q", header)
		}
		if fields[1] != "blob" {
			return nil, rest[size+1:], false, nil
		}
		return rest[:size], rest[size+1:], true, nil
	}
	if len(fields) >= 2 && (fields[len(fields)-1] == "missing" || fields[len(fields)-1] == "ambiguous") {
		return nil, rest, false, nil
	}
	return nil, nil, false, fmt.Errorf("git cat-file: unexpected output %q", header)
}
