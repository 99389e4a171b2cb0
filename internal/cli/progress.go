package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/mwedition/mwedition/internal/engine"
)

// observer renders engine events: a live status line on a terminal, one plain line per
// finished action otherwise, and JSON lines with --json.
type observer struct {
	g       *globals
	verb    string
	live    bool
	bytes   int64
	running map[string]string
	last    time.Time
	width   int
	started time.Time
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (g *globals) observer(verb string) *observer {
	o := &observer{g: g, verb: verb, live: g.isTTY && !g.json && !g.quiet, running: map[string]string{}, started: g.now()}
	if f, ok := g.stderr.(*os.File); ok && o.live {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			o.width = w
		}
	}
	if o.width <= 0 {
		o.width = 100
	}
	return o
}

func (o *observer) event(e engine.Event) {
	if o == nil {
		return
	}
	if o.g.json {
		ev := map[string]any{"event": strings.ToLower(e.Type.String()), "action": e.Action, "kind": e.Kind, "done": e.Done, "total": e.Total}
		if e.Bytes > 0 {
			ev["bytes"] = e.Bytes
		}
		if e.Err != nil {
			ev["error"] = e.Err.Error()
		}
		json.NewEncoder(o.g.stdout).Encode(ev)
		return
	}
	if o.g.quiet {
		return
	}
	o.bytes += e.Bytes
	switch e.Type {
	case engine.EventStarted:
		o.running[e.Action] = e.Label
	case engine.EventFinished, engine.EventFailed, engine.EventSkipped, engine.EventCached:
		delete(o.running, e.Action)
	}
	if o.live {
		now := o.g.now()
		if now.Sub(o.last) < 100*time.Millisecond && e.Done != e.Total {
			return
		}
		o.last = now
		cur := ""
		for _, l := range o.running {
			if cur == "" || l < cur {
				cur = l
			}
		}
		line := fmt.Sprintf("%s [%d/%d] %s  %s", o.verb, e.Done, e.Total, humanBytes(o.bytes), cur)
		if len(line) > o.width-1 {
			line = line[:o.width-1]
		}
		fmt.Fprintf(o.g.stderr, "\r\x1b[K%s", line)
		return
	}
	switch e.Type {
	case engine.EventFinished:
		fmt.Fprintf(o.g.stderr, "[%d/%d] done    %s (%s)\n", e.Done, e.Total, e.Action, humanBytes(e.Bytes))
	case engine.EventFailed:
		fmt.Fprintf(o.g.stderr, "[%d/%d] FAILED  %s\n", e.Done, e.Total, e.Action)
	case engine.EventSkipped:
		fmt.Fprintf(o.g.stderr, "[%d/%d] skipped %s (an input failed)\n", e.Done, e.Total, e.Action)
	}
}

// finish ends the live line.
func (o *observer) finish() {
	if o != nil && o.live {
		fmt.Fprintf(o.g.stderr, "\r\x1b[K%s: done in %s\n", o.verb, o.g.now().Sub(o.started).Round(10*time.Millisecond))
	}
}
