package repro

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"syscall"
)

// Child runs a rebuild as a child process of a mwedition binary, so that it sees none of
// the caller's process state but what Rebuild gives it.
type Child struct {
	Exe    string    // the mwedition binary
	Dir    string    // its working directory: not the project, on which the rebuild must not depend
	Output io.Writer // where both of its outputs go; os/exec writes to it from two goroutines
}

// Run runs `mwedition` with the rebuild's arguments, environment and umask, and waits for
// it.
func (c Child) Run(ctx context.Context, rb Rebuild) error {
	cmd := exec.CommandContext(ctx, c.Exe, rb.Args...)
	cmd.Env = rb.Env
	cmd.Dir = c.Dir
	cmd.Stdout, cmd.Stderr = c.Output, c.Output
	// The child inherits the umask at fork: set it around Start only.
	old := syscall.Umask(rb.Conditions.Umask)
	err := cmd.Start()
	syscall.Umask(old)
	if err != nil {
		return fmt.Errorf("starting the rebuild: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("the rebuild failed (%v): its output is above", err)
	}
	return nil
}
