package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/mwedition/mwedition/internal/engine"
)

// observer renders engine events: a live status line on a terminal, one plain line per
// finished action otherwise, and JSON lines with --json.
type observer struct {
	mu      sync.Mutex // the engine reports from one goroutine, the ticker redraws from another
	stop    chan struct{}
	done    int
	total   int
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
	if o.live {
		o.stop = make(chan struct{})
		go func() {
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-o.stop:
					return
				case <-t.C:
					o.mu.Lock()
					o.draw()
					o.mu.Unlock()
				}
			}
		}()
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
		writeJSON(o.g.stdout, ev)
		return
	}
	if o.g.quiet {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.bytes += e.Bytes
	o.done, o.total = e.Done, e.Total
	switch e.Type {
	case engine.EventStarted:
		o.running[e.Action] = e.Label
	case engine.EventFinished, engine.EventFailed, engine.EventSkipped, engine.EventCached:
		delete(o.running, e.Action)
	}
	if o.live {
		if e.Type != engine.EventPlanned {
			o.draw()
		}
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

// draw repaints the live line: counts, bytes, elapsed time and one running action.
func (o *observer) draw() {
	cur := ""
	for _, l := range o.running {
		if cur == "" || l < cur {
			cur = l
		}
	}
	if n := len(o.running); n > 1 {
		cur += fmt.Sprintf(" (+%d)", n-1)
	}
	line := fmt.Sprintf("%s [%d/%d] %s %5.1fs  %s", o.verb, o.done, o.total, humanBytes(o.bytes), o.g.now().Sub(o.started).Seconds(), cur)
	if len(line) > o.width-1 {
		line = line[:o.width-1]
	}
	fmt.Fprintf(o.g.stderr, "\r\x1b[K%s", line)
}

// finish ends the live line.
func (o *observer) finish() {
	if o != nil && o.live {
		close(o.stop)
		o.mu.Lock()
		defer o.mu.Unlock()
		fmt.Fprintf(o.g.stderr, "\r\x1b[K%s: done in %s\n", o.verb, o.g.now().Sub(o.started).Round(10*time.Millisecond))
	}
}
