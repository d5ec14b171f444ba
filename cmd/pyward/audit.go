package main

import (
	"github.com/spf13/cobra"
)

func (a *app) auditCommand() *cobra.Command {
	return a.pendingCommand("audit [PATH...]", "Find vulnerable, malicious, typo-squatted and confusable dependencies")
}
