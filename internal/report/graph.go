package report

import (
	"sort"

	"github.com/pyward/pyward/internal/lockfile"
	"github.com/pyward/pyward/internal/pep503"
)

// Graph is the dependency graph of the audited locks, drawn by HTML.
type Graph struct {
	Nodes []GraphNode
	// Edges are (dependent, dependency) pairs of indices into Nodes.
	Edges [][2]int
}

// GraphNode is one locked release.
type GraphNode struct {
	Name    string // as the lock spells it
	Version string
	// Root: required by an input of the lock (a requirements file,
	// pyproject.toml) rather than only by other packages.
	Root bool
}

// LockGraph builds the graph of the given locks: a pylock's
// "dependencies" give the edges, a requirements lock's "# via" notes give
// them reversed (a via naming a file marks a root). A release pinned by
// several locks is one node.
func LockGraph(locks ...*lockfile.Lock) *Graph {
	g := &Graph{}
	index := map[string]int{}
	node := func(p *lockfile.Package) int {
		key := p.NormalizedName() + "==" + p.Version
		if i, ok := index[key]; ok {
			return i
		}
		index[key] = len(g.Nodes)
		g.Nodes = append(g.Nodes, GraphNode{Name: p.Name, Version: p.Version})
		return len(g.Nodes) - 1
	}
	seen := map[[2]int]bool{}
	edge := func(from, to int) {
		if from != to && !seen[[2]int{from, to}] {
			seen[[2]int{from, to}] = true
			g.Edges = append(g.Edges, [2]int{from, to})
		}
	}
	for _, l := range locks {
		byName := map[string]int{}
		for i := range l.Packages {
			byName[l.Packages[i].NormalizedName()] = node(&l.Packages[i])
		}
		for i := range l.Packages {
			p := &l.Packages[i]
			me := byName[p.NormalizedName()]
			for _, d := range p.Dependencies {
				if j, ok := byName[pep503.Normalize(d)]; ok {
					edge(me, j)
				}
			}
			for _, v := range p.Via {
				if j, ok := byName[pep503.Normalize(v)]; ok && pep503.Normalize(v) == v {
					edge(j, me)
				} else {
					g.Nodes[me].Root = true
				}
			}
		}
	}
	return g
}

// Layout constants of the drawn graph, in SVG user units.
const (
	graphNodeWidth  = 190
	graphNodeHeight = 22
	graphColumnGap  = 60
	graphRowGap     = 8
	graphMargin     = 10
	// MaxGraphNodes bounds the drawn graph; a larger one is left out of the
	// page with a note (the findings table is always complete).
	MaxGraphNodes = 3000
)

// layout places each node in the column of its depth (the fewest edges
// from a root; nodes no root reaches, in cycles, go in column 0) and
// returns the positions and the drawing's size.
func (g *Graph) layout() (x, y []int, width, height int) {
	n := len(g.Nodes)
	children := make([][]int, n)
	hasParent := make([]bool, n)
	for _, e := range g.Edges {
		children[e[0]] = append(children[e[0]], e[1])
		hasParent[e[1]] = true
	}
	depth := make([]int, n)
	for i := range depth {
		depth[i] = -1
	}
	var queue []int
	for i := range g.Nodes {
		if g.Nodes[i].Root || !hasParent[i] {
			depth[i] = 0
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, c := range children[i] {
			if depth[c] < 0 {
				depth[c] = depth[i] + 1
				queue = append(queue, c)
			}
		}
	}
	columns := map[int][]int{}
	maxDepth := 0
	for i, d := range depth {
		if d < 0 {
			d = 0
			depth[i] = 0
		}
		columns[d] = append(columns[d], i)
		maxDepth = max(maxDepth, d)
	}
	x, y = make([]int, n), make([]int, n)
	rows := 0
	for d := 0; d <= maxDepth; d++ {
		col := columns[d]
		sort.Slice(col, func(a, b int) bool {
			na, nb := &g.Nodes[col[a]], &g.Nodes[col[b]]
			if pa, pb := pep503.Normalize(na.Name), pep503.Normalize(nb.Name); pa != pb {
				return pa < pb
			}
			return na.Version < nb.Version
		})
		for row, i := range col {
			x[i] = graphMargin + d*(graphNodeWidth+graphColumnGap)
			y[i] = graphMargin + row*(graphNodeHeight+graphRowGap)
		}
		rows = max(rows, len(col))
	}
	width = 2*graphMargin + (maxDepth+1)*graphNodeWidth + maxDepth*graphColumnGap
	height = 2*graphMargin + rows*(graphNodeHeight+graphRowGap)
	return x, y, width, height
}
