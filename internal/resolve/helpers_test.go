package resolve

// Get returns the resolved release of a project, if present.
func (r *Resolution) Get(name string) (*Resolved, bool) {
	for i := range r.Packages {
		if r.Packages[i].Name == name {
			return &r.Packages[i], true
		}
	}
	return nil, false
}
