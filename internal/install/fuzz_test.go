package install

import (
	"archive/zip"
	"bytes"
	"testing"
)

func FuzzCheck(f *testing.F) {
	f.Add(craft(f, nil))
	f.Add(craft(f, []entry{{name: "demo/../x", data: "1"}, {name: "x.pth", data: "import os\n"}}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		w, err := Check(zr, "demo-1.0-py3-none-any.whl", Options{Limits: Limits{MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20}})
		if err == nil && w == nil {
			t.Fatal("nil wheel without error")
		}
	})
}

func FuzzParseRecord(f *testing.F) {
	f.Add([]byte("a.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,3\nR,,\n"))
	f.Add([]byte("\"a\nb\",,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseRecord(data)
		if err != nil {
			return
		}
		back, err := ParseRecord(FormatRecord(entries))
		if err != nil || len(back) != len(entries) {
			t.Fatalf("round trip: %v (%d vs %d)", err, len(back), len(entries))
		}
	})
}

func FuzzParseEntryPoints(f *testing.F) {
	f.Add([]byte("[console_scripts]\na = b:c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseEntryPoints(data)
	})
}
