package main

import (
	"github.com/spf13/cobra"
)

func (a *app) syncCommand() *cobra.Command {
	return a.pendingCommand("sync [LOCK]", "Make a virtual environment exactly match a lock, verifying every hash")
}
