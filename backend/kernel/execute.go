package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// Output is one cell output exactly as nbformat v4 stores it:
//
//	{"output_type": "stream", "name": "stdout", "text": "..."}
//	{"output_type": "display_data", "data": {mime: value}, "metadata": {...}}
//	{"output_type": "execute_result", "execution_count": 1, "data": {...}, "metadata": {...}}
//	{"output_type": "error", "ename": "...", "evalue": "...", "traceback": []string{...}}
//
// Binary data such as image/png is base64 text, as the kernel sends it.
type Output map[string]any

// Reply is the outcome of one Execute.
type Reply struct {
	Status         string   // execute_reply status: "ok", "error" or "aborted"
	ExecutionCount int      // the kernel's execution counter for this request
	Outputs        []Output // consecutive streams of one name merged; clear_output applied
	Ename, Evalue  string   // for Status "error"
	Traceback      []string // for Status "error" (with ANSI colors, as Jupyter keeps them)
}

// executeRequest is the content of an execute_request.
type executeRequest struct {
	Code            string         `json:"code"`
	Silent          bool           `json:"silent"`
	StoreHistory    bool           `json:"store_history"`
	UserExpressions map[string]any `json:"user_expressions"`
	AllowStdin      bool           `json:"allow_stdin"`
	StopOnError     bool           `json:"stop_on_error"`
}

// Execute runs code and returns its outputs once the kernel has both replied
// and gone idle. onOutput, if not nil, is called on Execute's goroutine with
// each output as it arrives, for a live view: stream outputs come as the
// chunks the kernel sends (a view appends a chunk to a directly preceding
// stream of the same name, as Reply.Outputs does), and a clear_output is
// reported as Output{"output_type": "clear_output"} (not an nbformat output:
// the view drops what it shows). Display updates (update_display_data) are
// applied to Reply.Outputs only.
//
// One Execute runs at a time per kernel; others wait. When ctx ends, the
// kernel is interrupted and Execute waits up to 2 s for it to finish, then
// returns an error wrapping ctx.Err(). If the kernel dies, the error wraps
// ErrDied, also when it died just before the request went out and the send
// broke on its closed connection. In both cases the Reply holds the outputs
// received so far.
func (k *Kernel) Execute(ctx context.Context, code string, onOutput func(Output)) (*Reply, error) {
	return k.execute(ctx, code, onOutput, false)
}

// ExecuteSilent runs code as Jupyter's silent execution: no execution
// count, no history, no execute_result and no pre-run hooks (the bridge's
// hand-over does not run), for the app's own questions to the kernel.
// What the code prints is still in the Reply's outputs.
func (k *Kernel) ExecuteSilent(ctx context.Context, code string) (*Reply, error) {
	return k.execute(ctx, code, nil, true)
}

func (k *Kernel) execute(ctx context.Context, code string, onOutput func(Output), silent bool) (*Reply, error) {
	select {
	case k.execSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("execute: %w", ctx.Err())
	}
	defer func() { <-k.execSem }()
	c, err := k.conn()
	if err != nil {
		return nil, fmt.Errorf("execute: %w", err)
	}
	select {
	case <-c.gone:
		return nil, fmt.Errorf("execute: %w", c.goneErr)
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("execute: %w", err)
	}

	w := c.router.watch()
	defer c.router.stop(w)
	h := newHeader(c.session, "execute_request")
	c.router.add(w, h.MsgID)
	req := executeRequest{Code: code, Silent: silent, StoreHistory: !silent, UserExpressions: map[string]any{}, StopOnError: true}
	if _, err := c.send(c.shell, h, req); err != nil {
		return nil, fmt.Errorf("execute: %w", c.sendFailed(ctx, err))
	}

	rep := &Reply{}
	out := &outputs{list: []Output{}, emit: onOutput, displays: map[string][]int{}}
	var (
		replied, idle bool
		canceled      = ctx.Done()
		grace         <-chan time.Time
	)
	for !replied || !idle {
		select {
		case m := <-w.ch:
			switch m.channel {
			case "shell":
				if m.Header.MsgType == "execute_reply" {
					replied = true
					if err := readReply(m, rep); err != nil {
						return nil, fmt.Errorf("execute: %w", err)
					}
				}
			case "iopub", "stdin":
				if out.handle(m) {
					idle = true
				}
			}
		case <-canceled:
			canceled = nil
			// ctx is done: a failed send is logged as it is, not waited on.
			if err := k.interrupt(ctx, c); err != nil {
				c.log.Warn("interrupt on cancel", "err", err.Error())
			}
			grace = time.After(k.opts.interruptGrace)
		case <-grace:
			rep.Outputs = out.list
			return rep, fmt.Errorf("execute: no answer %s after interrupting: %w", k.opts.interruptGrace, ctx.Err())
		case <-c.gone:
			rep.Outputs = out.list
			return rep, fmt.Errorf("execute: %w", c.goneErr)
		}
	}
	rep.Outputs = out.list
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("execute: interrupted: %w", err)
	}
	return rep, nil
}

// content is the union of the message contents Execute reads.
type content struct {
	Status         string         `json:"status"`
	ExecutionState string         `json:"execution_state"`
	ExecutionCount *int           `json:"execution_count"`
	Name           string         `json:"name"`
	Text           string         `json:"text"`
	Data           map[string]any `json:"data"`
	Metadata       map[string]any `json:"metadata"`
	Transient      struct {
		DisplayID string `json:"display_id"`
	} `json:"transient"`
	Wait      bool     `json:"wait"`
	Ename     string   `json:"ename"`
	Evalue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
	Prompt    string   `json:"prompt"`
}

func readReply(m *message, rep *Reply) error {
	var c content
	if err := json.Unmarshal(m.Content, &c); err != nil {
		return fmt.Errorf("decode execute_reply: %w", err)
	}
	rep.Status = c.Status
	if c.ExecutionCount != nil {
		rep.ExecutionCount = *c.ExecutionCount
	}
	rep.Ename, rep.Evalue, rep.Traceback = c.Ename, c.Evalue, c.Traceback
	return nil
}

// outputs builds a cell's output list from IOPub messages.
type outputs struct {
	list         []Output
	emit         func(Output)
	clearPending bool             // clear_output(wait=True): clear at the next output
	displays     map[string][]int // display_id → indices in list
}

// handle applies one IOPub (or stdin) message and reports whether it was the
// status idle that ends the request.
func (o *outputs) handle(m *message) (idle bool) {
	var c content
	if err := json.Unmarshal(m.Content, &c); err != nil {
		return false // a malformed message is dropped like a badly signed one
	}
	switch m.Header.MsgType {
	case "status":
		return c.ExecutionState == "idle"
	case "stream":
		o.add(Output{"output_type": "stream", "name": c.Name, "text": c.Text}, "")
	case "display_data":
		o.add(Output{"output_type": "display_data", "data": orEmpty(c.Data), "metadata": orEmpty(c.Metadata)},
			c.Transient.DisplayID)
	case "execute_result":
		n := 0
		if c.ExecutionCount != nil {
			n = *c.ExecutionCount
		}
		o.add(Output{"output_type": "execute_result", "execution_count": n,
			"data": orEmpty(c.Data), "metadata": orEmpty(c.Metadata)}, c.Transient.DisplayID)
	case "error":
		tb := c.Traceback
		if tb == nil {
			tb = []string{}
		}
		o.add(Output{"output_type": "error", "ename": c.Ename, "evalue": c.Evalue, "traceback": tb}, "")
	case "update_display_data":
		for _, i := range o.displays[c.Transient.DisplayID] {
			o.list[i]["data"] = orEmpty(c.Data)
			o.list[i]["metadata"] = orEmpty(c.Metadata)
		}
	case "clear_output":
		if c.Wait {
			o.clearPending = true
		} else {
			o.clear()
		}
	case "input_request":
		o.add(Output{"output_type": "stream", "name": "stderr",
			"text": fmt.Sprintf("The kernel asked for input (%q), which smallfry cannot give; it got an empty line.\n", c.Prompt)}, "")
	}
	return false
}

func (o *outputs) add(out Output, displayID string) {
	if o.clearPending {
		o.clear()
	}
	if o.emit != nil {
		o.emit(maps.Clone(out))
	}
	if out["output_type"] == "stream" && len(o.list) > 0 {
		last := o.list[len(o.list)-1]
		if last["output_type"] == "stream" && last["name"] == out["name"] {
			last["text"] = last["text"].(string) + out["text"].(string)
			return
		}
	}
	if displayID != "" {
		o.displays[displayID] = append(o.displays[displayID], len(o.list))
	}
	o.list = append(o.list, out)
}

func (o *outputs) clear() {
	o.clearPending = false
	o.list = o.list[:0:0]
	clear(o.displays)
	if o.emit != nil {
		o.emit(Output{"output_type": "clear_output"})
	}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
