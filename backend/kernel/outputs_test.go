package kernel

import (
	"encoding/json"
	"reflect"
	"testing"
)

// iopub makes an IOPub message of the given type and content.
func iopub(msgType, content string) *message {
	return &message{Header: header{MsgType: msgType}, Content: json.RawMessage(content), channel: "iopub"}
}

// Kernel-free checks of how IOPub messages become nbformat outputs; the
// kernel tests check the same against a real ipykernel.
func TestOutputs(t *testing.T) {
	png := map[string]any{"image/png": "iVBOR..."}
	tests := []struct {
		name    string
		msgs    []*message
		want    []Output
		emitted []string // output_type of each onOutput call
	}{
		{"streams merge by name",
			[]*message{
				iopub("stream", `{"name":"stdout","text":"a"}`),
				iopub("stream", `{"name":"stdout","text":"b\n"}`),
				iopub("stream", `{"name":"stderr","text":"e"}`),
				iopub("stream", `{"name":"stdout","text":"c"}`),
			},
			[]Output{
				{"output_type": "stream", "name": "stdout", "text": "ab\n"},
				{"output_type": "stream", "name": "stderr", "text": "e"},
				{"output_type": "stream", "name": "stdout", "text": "c"},
			},
			[]string{"stream", "stream", "stream", "stream"}},
		{"rich outputs",
			[]*message{
				iopub("execute_input", `{"code":"x","execution_count":3}`),
				iopub("display_data", `{"data":{"image/png":"iVBOR..."},"metadata":{},"transient":{}}`),
				iopub("execute_result", `{"data":{"text/plain":"2"},"metadata":{},"execution_count":3}`),
				iopub("error", `{"ename":"ValueError","evalue":"x","traceback":["tb"]}`),
			},
			[]Output{
				{"output_type": "display_data", "data": png, "metadata": map[string]any{}},
				{"output_type": "execute_result", "execution_count": 3, "data": map[string]any{"text/plain": "2"}, "metadata": map[string]any{}},
				{"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": []string{"tb"}},
			},
			[]string{"display_data", "execute_result", "error"}},
		{"clear_output now",
			[]*message{
				iopub("stream", `{"name":"stdout","text":"1"}`),
				iopub("clear_output", `{"wait":false}`),
				iopub("stream", `{"name":"stdout","text":"2"}`),
			},
			[]Output{{"output_type": "stream", "name": "stdout", "text": "2"}},
			[]string{"stream", "clear_output", "stream"}},
		{"clear_output wait clears at the next output",
			[]*message{
				iopub("stream", `{"name":"stdout","text":"1"}`),
				iopub("clear_output", `{"wait":true}`),
				iopub("display_data", `{"data":{"text/plain":"x"},"metadata":{}}`),
			},
			[]Output{{"output_type": "display_data", "data": map[string]any{"text/plain": "x"}, "metadata": map[string]any{}}},
			[]string{"stream", "clear_output", "display_data"}},
		{"clear_output wait with nothing after keeps outputs",
			[]*message{
				iopub("stream", `{"name":"stdout","text":"1"}`),
				iopub("clear_output", `{"wait":true}`),
			},
			[]Output{{"output_type": "stream", "name": "stdout", "text": "1"}},
			[]string{"stream"}},
		{"update_display_data",
			[]*message{
				iopub("display_data", `{"data":{"text/plain":"0%"},"metadata":{},"transient":{"display_id":"p"}}`),
				iopub("stream", `{"name":"stdout","text":"s"}`),
				iopub("update_display_data", `{"data":{"text/plain":"100%"},"metadata":{},"transient":{"display_id":"p"}}`),
			},
			[]Output{
				{"output_type": "display_data", "data": map[string]any{"text/plain": "100%"}, "metadata": map[string]any{}},
				{"output_type": "stream", "name": "stdout", "text": "s"},
			},
			[]string{"display_data", "stream"}},
		{"input_request is noted",
			[]*message{{Header: header{MsgType: "input_request"}, Content: json.RawMessage(`{"prompt":"name? ","password":false}`), channel: "stdin"}},
			[]Output{{"output_type": "stream", "name": "stderr",
				"text": "The kernel asked for input (\"name? \"), which smallfry cannot give; it got an empty line.\n"}},
			[]string{"stream"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var emitted []string
			o := &outputs{list: []Output{}, displays: map[string][]int{},
				emit: func(out Output) { emitted = append(emitted, out["output_type"].(string)) }}
			for _, m := range tt.msgs {
				if o.handle(m) {
					t.Fatalf("%s reported idle", m.Header.MsgType)
				}
			}
			if !reflect.DeepEqual(o.list, tt.want) {
				t.Errorf("got outputs %#v\nwant %#v", o.list, tt.want)
			}
			if !reflect.DeepEqual(emitted, tt.emitted) {
				t.Errorf("got onOutput calls %q, want %q", emitted, tt.emitted)
			}
		})
	}
	o := &outputs{displays: map[string][]int{}}
	if !o.handle(iopub("status", `{"execution_state":"idle"}`)) || o.handle(iopub("status", `{"execution_state":"busy"}`)) {
		t.Error("status idle should end the request, busy should not")
	}
}
