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
