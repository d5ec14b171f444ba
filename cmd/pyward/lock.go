package main

import (
	"github.com/spf13/cobra"
)

func (a *app) lockCommand() *cobra.Command {
	return a.pendingCommand("lock [REQUIREMENTS...]", "Resolve requirements into a hashed lock file")
}
