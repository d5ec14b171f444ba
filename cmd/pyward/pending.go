package main

import (
	"github.com/spf13/cobra"
)

// pendingCommand is a subcommand whose engine has not landed yet; it exits 2
// with a clear message rather than pretending to work.
func (a *app) pendingCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErrorf("%s: not implemented yet", cmd.Name())
		},
	}
}

func (a *app) lockCommand() *cobra.Command {
	return a.pendingCommand("lock [REQUIREMENTS...]", "Resolve requirements into a hashed lock file")
}

func (a *app) syncCommand() *cobra.Command {
	return a.pendingCommand("sync [LOCK]", "Make a virtual environment exactly match a lock, verifying every hash")
}

func (a *app) auditCommand() *cobra.Command {
	return a.pendingCommand("audit [PATH...]", "Find vulnerable, malicious, typo-squatted and confusable dependencies")
}

func (a *app) inspectCommand() *cobra.Command {
	return a.pendingCommand("inspect FILE...", "Parse requirement files and print what pyward understood")
}
