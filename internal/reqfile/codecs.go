package reqfile

import (
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// pythonCodecName normalizes an encoding name as Python's codec search
// does before its alias table: lower case, every run of characters other
// than letters, digits and '.' one '_', none at either end.
func pythonCodecName(name string) string {
	var b strings.Builder
	pending := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' {
			if pending && b.Len() > 0 {
				b.WriteByte('_')
			}
			pending = false
			b.WriteRune(r)
			continue
		}
		pending = true
	}
	return b.String()
}

// pythonCodec returns the decoder for a Python codec name (normalized by
// pythonCodecName) among the ASCII-compatible ones golang.org/x/text
// implements, and nil for any other: pip decodes a file whose PEP 263
// line names a codec with that codec. The names are Python's codec names
// and its aliases (encodings/aliases.py). UTF-8, ASCII and Latin-1 are
// handled by decodeAs itself; UTF-16 and UTF-32 cannot be declared by a
// coding line, which is ASCII text.
//
// A switch rather than golang.org/x/text's IANA index: the index builds a
// table of every IANA name at start-up (about 1% of the CPU time of
// 'pyward version'), and IANA's names are not Python's (it has no
// shift_jis, latin9 or iso8859_15).
func pythonCodec(name string) encoding.Encoding {
	switch name {
	case "iso8859_2", "iso_8859_2", "iso_8859_2_1987", "iso_ir_101", "csisolatin2", "latin2", "l2":
		return charmap.ISO8859_2
	case "iso8859_3", "iso_8859_3", "iso_8859_3_1988", "iso_ir_109", "csisolatin3", "latin3", "l3":
		return charmap.ISO8859_3
	case "iso8859_4", "iso_8859_4", "iso_8859_4_1988", "iso_ir_110", "csisolatin4", "latin4", "l4":
		return charmap.ISO8859_4
	case "iso8859_5", "iso_8859_5", "iso_8859_5_1988", "iso_ir_144", "csisolatincyrillic", "cyrillic":
		return charmap.ISO8859_5
	case "iso8859_6", "iso_8859_6", "iso_8859_6_1987", "iso_ir_127", "csisolatinarabic", "arabic", "asmo_708", "ecma_114":
		return charmap.ISO8859_6
	case "iso8859_7", "iso_8859_7", "iso_8859_7_1987", "iso_ir_126", "csisolatingreek", "greek", "greek8", "ecma_118", "elot_928":
		return charmap.ISO8859_7
	case "iso8859_8", "iso_8859_8", "iso_8859_8_1988", "iso_ir_138", "csisolatinhebrew", "hebrew":
		return charmap.ISO8859_8
	case "iso8859_9", "iso_8859_9", "iso_8859_9_1989", "iso_ir_148", "csisolatin5", "latin5", "l5":
		return charmap.ISO8859_9
	case "iso8859_10", "iso_8859_10", "iso_8859_10_1992", "iso_ir_157", "csisolatin6", "latin6", "l6":
		return charmap.ISO8859_10
	case "iso8859_13", "iso_8859_13", "latin7", "l7":
		return charmap.ISO8859_13
	case "iso8859_14", "iso_8859_14", "iso_8859_14_1998", "iso_ir_199", "iso_celtic", "latin8", "l8":
		return charmap.ISO8859_14
	case "iso8859_15", "iso_8859_15", "latin9", "l9":
		return charmap.ISO8859_15
	case "iso8859_16", "iso_8859_16", "iso_8859_16_2001", "iso_ir_226", "latin10", "l10":
		return charmap.ISO8859_16
	case "cp874":
		return charmap.Windows874
	case "cp1250", "1250", "windows_1250":
		return charmap.Windows1250
	case "cp1251", "1251", "windows_1251":
		return charmap.Windows1251
	case "cp1252", "1252", "windows_1252":
		return charmap.Windows1252
	case "cp1253", "1253", "windows_1253":
		return charmap.Windows1253
	case "cp1254", "1254", "windows_1254":
		return charmap.Windows1254
	case "cp1255", "1255", "windows_1255":
		return charmap.Windows1255
	case "cp1256", "1256", "windows_1256":
		return charmap.Windows1256
	case "cp1257", "1257", "windows_1257":
		return charmap.Windows1257
	case "cp1258", "1258", "windows_1258":
		return charmap.Windows1258
	case "cp437", "437", "ibm437", "cspc8codepage437":
		return charmap.CodePage437
	case "cp850", "850", "ibm850", "cspc850multilingual":
		return charmap.CodePage850
	case "cp852", "852", "ibm852", "cspcp852":
		return charmap.CodePage852
	case "cp855", "855", "ibm855", "csibm855":
		return charmap.CodePage855
	case "cp858", "858", "ibm858", "csibm858":
		return charmap.CodePage858
	case "cp860", "860", "ibm860", "csibm860":
		return charmap.CodePage860
	case "cp862", "862", "ibm862", "cspc862latinhebrew":
		return charmap.CodePage862
	case "cp863", "863", "ibm863", "csibm863":
		return charmap.CodePage863
	case "cp865", "865", "ibm865", "csibm865":
		return charmap.CodePage865
	case "cp866", "866", "ibm866", "csibm866":
		return charmap.CodePage866
	case "koi8_r", "cskoi8r":
		return charmap.KOI8R
	case "koi8_u":
		return charmap.KOI8U
	case "mac_roman", "macroman", "macintosh":
		return charmap.Macintosh
	case "mac_cyrillic", "maccyrillic":
		return charmap.MacintoshCyrillic
	case "shift_jis", "shiftjis", "sjis", "s_jis", "csshiftjis", "cp932", "932", "ms932", "mskanji", "ms_kanji":
		// x/text's Shift JIS is Microsoft's code page 932.
		return japanese.ShiftJIS
	case "euc_jp", "eucjp", "ujis", "u_jis":
		return japanese.EUCJP
	case "iso2022_jp", "iso_2022_jp", "iso2022jp", "csiso2022jp":
		return japanese.ISO2022JP
	case "euc_kr", "euckr", "korean", "ksc5601", "ks_c_5601", "ks_c_5601_1987", "ksx1001", "ks_x_1001", "cp949", "949", "ms949", "uhc":
		// x/text's EUC-KR is Microsoft's code page 949.
		return korean.EUCKR
	case "gbk", "cp936", "936", "ms936", "gb2312", "gb2312_1980", "gb2312_80", "chinese", "csiso58gb231280", "euc_cn", "euccn", "eucgb2312_cn", "iso_ir_58":
		// GBK extends GB 2312 (EUC-CN): GBK decodes both.
		return simplifiedchinese.GBK
	case "gb18030", "gb18030_2000":
		return simplifiedchinese.GB18030
	case "hz", "hzgb", "hz_gb", "hz_gb_2312":
		return simplifiedchinese.HZGB2312
	case "big5", "big5_tw", "csbig5", "cp950", "950", "ms950":
		return traditionalchinese.Big5
	}
	return nil
}
