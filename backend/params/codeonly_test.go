package params

import "testing"

func TestCodeOnly(t *testing.T) {
	tests := []struct{ in, want string }{
		{"x = sales # sales here", "x = sales "},
		{`print("sales", 'sales')`, "print( ,  )"},
		{`s = """sales\nmore"""` + "\nt = y", "s =  \nt = y"},
		{`f"{sales}"`, "f {sales} "},
	}
	for _, tt := range tests {
		if got := CodeOnly(tt.in); got != tt.want {
			t.Errorf("CodeOnly(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
