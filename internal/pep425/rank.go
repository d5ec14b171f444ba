package pep425

// Ranker answers "how much does this interpreter like a wheel with these
// tags?" in constant time per tag. It is immutable after construction and
// safe for concurrent use.
type Ranker struct {
	priority map[Tag]int
}

// NewRanker indexes tags, most preferred first (as returned by
// Interpreter.Tags). A tag listed twice keeps its first (better) priority.
func NewRanker(tags []Tag) *Ranker {
	r := &Ranker{priority: make(map[Tag]int, len(tags))}
	for i, t := range tags {
		if _, dup := r.priority[t]; !dup {
			r.priority[t] = i
		}
	}
	return r
}

// Rank returns the best (lowest) priority among a wheel's tags; 0 is the
// most preferred tag of the interpreter. ok is false if none of the tags is
// supported, i.e. the wheel cannot be installed.
func (r *Ranker) Rank(tags []Tag) (rank int, ok bool) {
	rank = -1
	for _, t := range tags {
		if p, found := r.priority[t]; found && (rank < 0 || p < rank) {
			rank = p
		}
	}
	return rank, rank >= 0
}

// Len returns the number of distinct supported tags.
func (r *Ranker) Len() int { return len(r.priority) }
