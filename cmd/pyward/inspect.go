package main

import (
	"github.com/spf13/cobra"
)

func (a *app) inspectCommand() *cobra.Command {
	return a.pendingCommand("inspect FILE...", "Parse requirement files and print what pyward understood")
}
