package sync

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"
)

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// craftWheel builds demo-1.0 with extra files, all listed in RECORD.
func craftWheel(t testing.TB, extra map[string]string) []byte {
	t.Helper()
	files := map[string]string{
		"demo/__init__.py":            "",
		"demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n",
		"demo-1.0.dist-info/WHEEL":    "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var rec strings.Builder
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[n]))
		s := sha256.Sum256([]byte(files[n]))
		fmt.Fprintf(&rec, "%s,sha256=%s,%d\n", n, base64.RawURLEncoding.EncodeToString(s[:]), len(files[n]))
	}
	rec.WriteString("demo-1.0.dist-info/RECORD,,\n")
	w, _ := zw.Create("demo-1.0.dist-info/RECORD")
	w.Write([]byte(rec.String()))
	zw.Close()
	return buf.Bytes()
}
