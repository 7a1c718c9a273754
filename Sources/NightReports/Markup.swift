import ScoreExport

/// Small helpers for writing HTML and SVG text by hand: escaping, fixed number formatting, the page frame.
///
/// Everything here is deterministic: the same input gives the same bytes (numbers through
/// `NumberFormat.fixed`, no clock, no locale).
public enum Markup {
    /// `text` safe inside an element or a quoted attribute: `& < > " '` become entities.
    ///
    /// - Parameter text: any text, e.g. a diary note typed by the person.
    /// - Returns: the escaped text.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and line breaks have no place in a page.
                if c.value < 0x20 && c != "\n" && c != "\t" && c != "\r" { continue }
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A coordinate or length for SVG: at most 1 decimal, no trailing ".0".
    ///
    /// - Parameter v: the value in user units; non-finite values are written as 0.
    static func n(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let s = NumberFormat.fixed(v, decimals: 1)
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }

    /// A figure with fixed decimals, or "–" when there is none.
    ///
    /// - Parameters:
    ///   - v: the figure, nil when not known.
    ///   - decimals: digits after the point.
    static func fixed(_ v: Double?, _ decimals: Int) -> String {
        guard let v, v.isFinite else { return "–" }
        return NumberFormat.fixed(v, decimals: decimals)
    }

    /// A legend key drawn as a tiny inline SVG (prints the same as the plots, unlike CSS backgrounds).
    ///
    /// - Parameter drawing: SVG elements in a 10×10 box.
    static func key(_ drawing: String) -> String {
        "<svg class=\"key\" viewBox=\"0 0 10 10\" aria-hidden=\"true\">\(drawing)</svg>"
    }

    /// The legend key of hatched "no data".
    static let hatchKey = key(
        "<rect width=\"10\" height=\"10\" fill=\"#fff\" stroke=\"#000\"/>"
            + "<path d=\"M0 5L5 0M0 10L10 0M5 10L10 5\" stroke=\"#000\" stroke-width=\"1.4\"/>")

    /// The legend key of a dashed line.
    static let dashKey = key("<path d=\"M0 5H3M4.5 5H7.5M9 5H10\" stroke=\"#000\" stroke-width=\"1.6\"/>")

    /// A whole HTML page: doctype, language, title, the shared style sheet, and `body`.
    ///
    /// - Parameters:
    ///   - title: the page's title (escaped here).
    ///   - body: the page's body, already HTML.
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="\(SoftwareVersion.name) \(SoftwareVersion.version)">
        <title>\(escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// The one style sheet: system fonts only, black on white, A4/Letter print layout.
    static let style = """
        :root { --plm: #b2182b; --lm: #555; --series: #f4c7c3; --median: #2166ac; --grid: #ddd; }
        * { box-sizing: border-box; }
        body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #000; background: #fff;
          margin: 0 auto; padding: 1.5rem; max-width: 60rem; font-size: 15px; line-height: 1.4; }
        h1 { font-size: 1.5rem; margin: 0 0 0.25rem; }
        h2 { font-size: 1.15rem; margin: 1.75rem 0 0.5rem; border-bottom: 1px solid #999; padding-bottom: 0.15rem; }
        p.sub { margin: 0 0 1rem; color: #333; }
        p.note, figcaption { color: #333; font-size: 0.9rem; }
        table { border-collapse: collapse; margin: 0.5rem 0; }
        th, td { border: 1px solid #bbb; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
        th { background: #f2f2f2; font-weight: 600; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.text { white-space: pre-wrap; }
        .nowrap { white-space: nowrap; }
        .big { font-size: 1.6rem; font-weight: 700; }
        figure { margin: 0.5rem 0 1rem; }
        svg { display: block; width: 100%; height: auto; }
        svg text { font-family: "DejaVu Sans", Arial, sans-serif; fill: #000; }
        .pair { display: flex; gap: 1rem; flex-wrap: wrap; }
        .pair figure { flex: 1 1 22rem; }
        .legend span { display: inline-block; margin-right: 1rem; white-space: nowrap; }
        .key { display: inline-block; width: 0.9rem; height: 0.9rem; vertical-align: -0.1rem; margin-right: 0.3rem;
          border: 1px solid #000; }
        svg.key { display: inline-block; width: 0.9rem; height: 0.9rem; vertical-align: -0.1rem; margin-right: 0.3rem;
          border: 0; }
        ul.findings { margin: 0.25rem 0; padding-left: 1.25rem; }
        section { break-inside: auto; }
        footer { margin-top: 2rem; font-size: 0.8rem; color: #444; }
        @page { size: A4; margin: 14mm; }
        @media print {
          body { max-width: none; padding: 0; font-size: 11pt; }
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          section.page { break-before: page; }
          figure, table, tr { break-inside: avoid; }
          h2 { break-after: avoid; }
        }
        """
}

/// An SVG drawing built element by element, in user units of its view box.
struct SVG {
    let width: Double
    let height: Double
    private(set) var body = ""

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Appends raw SVG markup (already escaped).
    mutating func raw(_ s: String) { body += s + "\n" }

    mutating func rect(
        x: Double, y: Double, w: Double, h: Double, fill: String, stroke: String? = nil, extra: String = ""
    ) {
        let s = stroke.map { " stroke=\"\($0)\"" } ?? ""
        body += "<rect x=\"\(Markup.n(x))\" y=\"\(Markup.n(y))\" width=\"\(Markup.n(max(w, 0)))\" "
            + "height=\"\(Markup.n(max(h, 0)))\" fill=\"\(fill)\"\(s)\(extra.isEmpty ? "" : " " + extra)/>\n"
    }

    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil
    ) {
        let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body += "<line x1=\"\(Markup.n(x1))\" y1=\"\(Markup.n(y1))\" x2=\"\(Markup.n(x2))\" y2=\"\(Markup.n(y2))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(Markup.n(width))\"\(d)/>\n"
    }

    /// Text at (x, y); `anchor` start, middle or end; `halo` outlines it in white. The text is escaped here.
    mutating func text(
        _ s: String, x: Double, y: Double, anchor: String = "start", size: Double = 12, weight: String? = nil,
        fill: String? = nil, halo: Bool = false
    ) {
        var w = weight.map { " font-weight=\"\($0)\"" } ?? ""
        // A white outline under the letters keeps a label readable over lines and points.
        if halo { w += " stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"" }
        let f = fill.map { " style=\"fill:\($0)\"" } ?? ""
        body += "<text x=\"\(Markup.n(x))\" y=\"\(Markup.n(y))\" text-anchor=\"\(anchor)\" "
            + "font-size=\"\(Markup.n(size))\"\(w)\(f)>\(Markup.escape(s))</text>\n"
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil) {
        let s = stroke.map { " stroke=\"\($0)\"" } ?? ""
        body += "<circle cx=\"\(Markup.n(cx))\" cy=\"\(Markup.n(cy))\" r=\"\(Markup.n(r))\" fill=\"\(fill)\"\(s)/>\n"
    }

    /// A polyline through `points` (nothing for fewer than 2).
    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, dash: String? = nil) {
        guard points.count >= 2 else { return }
        let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        let p = points.map { "\(Markup.n($0.0)),\(Markup.n($0.1))" }.joined(separator: " ")
        body += "<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Markup.n(width))\"\(d)/>\n"
    }

    /// The drawing as an inline `<svg>` (HTML5 needs no namespace attribute) with its accessible `<title>` and `<desc>`.
    ///
    /// - Parameters:
    ///   - id: a document-unique id (for aria-labelledby and the drawing's own patterns).
    ///   - title: a short name of the plot.
    ///   - description: what the plot shows, in words, for screen readers.
    func render(id: String, title: String, description: String) -> String {
        "<svg id=\"\(id)\" viewBox=\"0 0 \(Markup.n(width)) \(Markup.n(height))\" "
            + "role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\">\n"
            + "<title id=\"\(id)-title\">\(Markup.escape(title))</title>\n"
            + "<desc id=\"\(id)-desc\">\(Markup.escape(description))</desc>\n" + body + "</svg>"
    }
}
