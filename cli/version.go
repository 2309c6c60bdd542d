package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time: -ldflags "-X github.com/opsward/ward/cli.version=v1.2.3".
var version = ""

type buildInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go"`
	Platform  string `json:"platform"`
	Revision  string `json:"revision,omitempty"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ward's version",
		Long: `Print the version, the Go version and platform, and the source revision
the binary was built from when known.

JSON (--json): {"version","go","platform","revision","time","modified"}` + exitStatus(),
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			b := readBuildInfo()
			if f.JSON {
				return f.printJSON(b)
			}
			fmt.Fprintf(f.Out, "ward %s (%s, %s)\n", b.Version, b.GoVersion, b.Platform)
			if b.Revision != "" {
				mod := ""
				if b.Modified {
					mod = ", modified"
				}
				fmt.Fprintf(f.Out, "revision %s %s%s\n", b.Revision, b.Time, mod)
			}
			return nil
		},
	}
}

func newCompletionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script",
		Long: `Print the completion script for a shell. Secret paths complete too, when the
store's key is in the session cache or the agent (completion never asks
for a passphrase; run any ward command once to unlock).

  bash:  source <(ward completion bash)   (needs the bash-completion package)
  zsh:   ward completion zsh > "${fpath[1]}/_ward"
  fish:  ward completion fish > ~/.config/fish/completions/ward.fish` + exitStatus("2    unknown shell"),
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args:      exactArgs(1, "one shell: bash, zsh or fish"),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(f.Out, true)
			case "zsh":
				return root.GenZshCompletion(f.Out)
			case "fish":
				return root.GenFishCompletion(f.Out, true)
			}
			return usageErrorf("unknown shell %q (want bash, zsh or fish)", args[0])
		},
	}
}
