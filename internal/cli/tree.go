package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/load"
)

// jsonSchema is the version of every JSON object mwedition prints: each carries it as
// "schema", and it changes only when a field changes meaning or goes away.
const jsonSchema = 1

// finishTree gives every command of the tree the same rules: a command with subcommands
// refuses an unknown one (exit 64) rather than printing help; help refuses an unknown
// topic; flags taking formats and editions complete their values.
func finishTree(g *globals, root *cobra.Command) {
	root.SetHelpCommand(newHelp(root))
	root.InitDefaultCompletionCmd()
	root.Args = cobra.ArbitraryArgs
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if g.version {
			g.printVersion()
			return nil
		}
		return group(cmd, args)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.SuggestionsMinimumDistance = 2
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = cobra.ArbitraryArgs
			c.RunE = group
		}
		completeValues(g, c)
		if doc, ok := jsonOutputs[c.CommandPath()]; ok {
			c.Long = strings.TrimRight(orDefault(c.Long, c.Short), "\n") + "\n\nWith --json, stdout carries " + doc + jsonFooter
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// group runs a command that only holds subcommands: alone it prints its help.
func group(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return usageError{fmt.Errorf("unknown command %q for %q%s", args[0], cmd.CommandPath(), didYouMean(cmd.SuggestionsFor(args[0])))}
}

func didYouMean(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", s[0])
}

func newHelp(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Print the help of any command",
		Long:  "Help prints the help of a command, as --help does: mwedition help build, mwedition help cache add.",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			target, _, err := root.Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			for _, sub := range target.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err == nil && len(rest) == 0 {
				return target.Help()
			}
			topic := strings.Join(args, " ")
			last := args[len(args)-1]
			if target == nil {
				target = root
			}
			return usageError{fmt.Errorf("help %s: %q is no command of %q%s", topic, last, target.CommandPath(), didYouMean(target.SuggestionsFor(last)))}
		},
	}
}

// checkFlags validates what every command shares, once, before any command runs: a flag
// given with an empty value is a mistake (an unset shell variable, most often), never a
// request for the default.
func (g *globals) checkFlags(cmd *cobra.Command) error {
	if g.jobs < 1 {
		return usageError{fmt.Errorf("--jobs must be at least 1 (got %d)", g.jobs)}
	}
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err != nil {
			return
		}
		switch f.Value.Type() {
		case "string", "stringSlice", "stringArray":
			if v := f.Value.String(); v == "" || v == "[]" {
				err = usageError{fmt.Errorf("--%s was given an empty value: give one, or leave the flag out for its default", f.Name)}
			}
		}
	})
	return err
}

// completeValues lets the shell complete --format with format names and --edition with
// the project's editions (comma lists complete their last element).
func completeValues(g *globals, c *cobra.Command) {
	if f := c.Flags().Lookup("format"); f != nil {
		names := build.FormatNames()
		if strings.Contains(f.Usage, "tree") {
			names = append(names, "tree")
		}
		_ = c.RegisterFlagCompletionFunc("format", completion(f, func() []string { return names }))
	}
	if f := c.Flags().Lookup("edition"); f != nil {
		_ = c.RegisterFlagCompletionFunc("edition", completion(f, g.editionNames))
	}
}

// completion completes a flag's value from names. A comma-separated list completes its
// last element: what is typed before the last comma stays, and names already given are
// not offered again.
func completion(f *pflag.Flag, names func() []string) cobra.CompletionFunc {
	list := strings.HasSuffix(f.Value.Type(), "Slice")
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		done, prefix := "", toComplete
		if i := strings.LastIndex(toComplete, ","); list && i >= 0 {
			done, prefix = toComplete[:i+1], toComplete[i+1:]
		}
		given := map[string]bool{}
		for _, d := range strings.Split(strings.TrimSuffix(done, ","), ",") {
			given[d] = true
		}
		var out []string
		for _, n := range names() {
			if !given[n] && strings.HasPrefix(n, prefix) {
				out = append(out, done+n)
			}
		}
		if list {
			return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// editionNames are the editions of the project in --dir, for completion: a project that
// does not load completes nothing rather than failing the shell.
func (g *globals) editionNames() []string {
	p, _ := load.Dir(g.dir)
	var names []string
	for _, e := range p.Set.Editions() {
		names = append(names, e.Name)
	}
	sort.Strings(names)
	return names
}
