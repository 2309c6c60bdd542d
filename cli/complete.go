package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/store"
)

// pathCommands take a secret PATH first (mv and cp take two).
var pathCommands = map[string]int{
	"get": 1, "show": 1, "set": 1, "rm": 1, "gen": 1, "history": 1,
	"rollback": 1, "meta": 1, "copy": 1, "mv": 2, "cp": 2,
}

// completePaths completes the secret paths of the store, for shell
// completion, when the session cache or the agent unlocks it: completion
// must never ask for a passphrase, nor wait on the keyring. Otherwise it
// offers nothing, and no file names either (a PATH is never a file).
// Retired secrets are left out, as ls leaves them.
func (f *Factory) completePaths(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	const none = cobra.ShellCompDirectiveNoFileComp
	if len(args) >= pathCommands[cmd.Name()] {
		return nil, none
	}
	ctx := cmd.Context()
	s, err := f.openStore(ctx, store.Credentials{CacheOnly: true})
	if err != nil {
		return nil, none
	}
	heads, err := s.List(ctx, "")
	if err != nil {
		return nil, none
	}
	var out []string
	for _, h := range heads {
		if h.Status != store.StatusRetired && strings.HasPrefix(h.Path, toComplete) {
			out = append(out, h.Path)
		}
	}
	return out, none
}
