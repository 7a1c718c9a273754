/// Writes CSV fields and rows (RFC 4180): the one quoting rule of every CSV plm writes (store exports, summary.csv,
/// the diary template, the correlation table).
public enum CSVWriter {
    /// `field`, in double quotes (with `"` doubled) when it holds a comma, a double quote or a line break.
    public static func field(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return field }
        var out = "\""
        for c in field.unicodeScalars {
            if c == "\"" { out += "\"\"" } else { out.unicodeScalars.append(c) }
        }
        return out + "\""
    }

    /// One row: the fields quoted as needed, separated by commas, with a `\n` line end.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}
