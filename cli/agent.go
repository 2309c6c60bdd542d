package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/opsward/ward/agent"
	"github.com/opsward/ward/store"
)

func newUnlockCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "unlock",
		Short: "Unlock the store once for this login session",
		Long: `Unlock the store (asking for its passphrase if it has one) and hand its
identity and data key to a per-user agent that keeps them in memory, so
later commands and scripts find the store unlocked. The agent locks itself
after 15 minutes without use (WARD_AGENT_IDLE); ward lock forgets at once.

Unlocking a store the agent already holds asks nothing and says so.

JSON (--json): {"store","action":"unlock"}, with "already":true when the
agent held it already.` + exitStatus(
			"10   no such store",
			"12   wrong passphrase",
			"14   a passphrase is needed and there is no terminal",
		),
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			file, err := f.StoreFile()
			if err != nil {
				return err
			}
			s, err := store.Open(ctx, file)
			if err != nil {
				return err
			}
			// Already in the agent: nothing to ask (off a terminal, asking
			// would fail with 14 though the store is unlocked).
			if len(f.Identities) == 0 && s.UnlockFromAgent(ctx) {
				if f.JSON {
					return f.printJSON(map[string]any{"store": s.Name, "action": "unlock", "already": true})
				}
				f.status("Store %q is already unlocked for this session (ward lock forgets it)", s.Name)
				return nil
			}
			// Where the agent cannot run (an unsafe socket directory), say
			// so before the passphrase is typed, not after.
			if err := agent.Check(""); err != nil {
				return fmt.Errorf("unlock: %w", err)
			}
			// Unlock for real, not from the cache: the agent needs the identity.
			if err := s.UnlockWith(ctx, store.Credentials{IdentityFiles: f.Identities, Prompter: f.Prompter(), NoCache: true}); err != nil {
				return err
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("unlock: %w", err)
			}
			if err := s.HandToAgent(ctx, exe); err != nil {
				return err
			}
			if f.JSON {
				return f.printJSON(map[string]string{"store": s.Name, "action": "unlock"})
			}
			f.status("Unlocked store %q for this session (ward lock forgets it)", s.Name)
			return nil
		},
	}
}

func newLockCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "lock",
		Short: "Forget every unlocked store's keys in this session",
		Long:  `Forget the keys the agent and the session cache hold, for every store.` + exitStatus(),
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, cached, err := store.LockSession(cmd.Context())
			if err != nil {
				return fmt.Errorf("lock: %w", err)
			}
			if f.JSON {
				return f.printJSON(map[string]int{"agent_stores": n, "cached_keys": cached})
			}
			f.status("Locked: dropped %d cached store %s and %d held by the agent; no store keys are left in this session",
				cached, plural(cached, "key", "keys"), n)
			return nil
		},
	}
}

func newAgentCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:    agent.AgentCommand,
		Short:  "Run the per-user key agent (internal)",
		Long:   "Internal: started by ward unlock." + exitStatus(),
		Hidden: true,
		Args:   exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := agent.Main(context.WithoutCancel(cmd.Context())); code != 0 {
				return &silentError{code: code}
			}
			return nil
		},
	}
}
