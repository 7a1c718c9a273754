import Foundation
import NightStore
import ScoreExport
import SleepDiary

/// The nightly report: one stored night as a self-contained HTML page (docs/reports.md) — key figures, the
/// night's timeline, the IMI histograms, PLMs per clock hour and the night's diary.
public enum NightlyReport {
    /// Everything the page is drawn from, as read from the store.
    public struct Input: Sendable {
        public var record: NightRecord
        /// The night's leg movements in onset order.
        public var events: [StoredEvent]
        /// Time in bed and gaps in the data.
        public var intervals: [StoredInterval]
        /// The night's diary entry, if any.
        public var diary: DiaryEntry?
        /// The store's settings (its time zone gives the clock times).
        public var settings: StoreSettings

        /// - Parameters:
        ///   - record: the stored night with its figures and summary.json.
        ///   - events: its leg movements in onset order.
        ///   - intervals: its time in bed and gaps.
        ///   - diary: its diary entry, nil when there is none.
        ///   - settings: the store's settings.
        public init(
            record: NightRecord, events: [StoredEvent], intervals: [StoredInterval], diary: DiaryEntry?,
            settings: StoreSettings
        ) {
            self.record = record
            self.events = events
            self.intervals = intervals
            self.diary = diary
            self.settings = settings
        }

        /// Reads one night from `store`; nil when the store has no night of that date.
        ///
        /// - Parameters:
        ///   - store: the store.
        ///   - night: the night's date (of its evening).
        public static func load(from store: NightStore, night: NightDate) throws -> Input? {
            guard let record = try store.night(night) else { return nil }
            return Input(
                record: record, events: try store.events(of: night).map(\.event),
                intervals: try store.intervals(of: night), diary: try store.diaryEntry(night),
                settings: try store.settings())
        }
    }

    // MARK: Page

    /// The page, byte-stable for the same input.
    ///
    /// - Parameter input: the night as read from the store.
    /// - Returns: a complete HTML document with inline SVG and no external resources.
    public static func html(_ input: Input) -> String {
        let r = input.record
        let clock = Clock(input)
        let weekday = NightExport.weekday(r.night)
        var body = "<header>\n<h1>Night of \(weekday) \(r.night)</h1>\n"
        body += "<p class=\"sub\">Recording <b>\(Markup.escape(r.fileName))</b> (\(Markup.escape(r.format)))"
        if let start = r.startUnixMicroseconds {
            body += ", started \(Markup.escape(NightExport.localTime(start, settings: input.settings)))"
        }
        body += "; scored by the <b>\(Markup.escape(r.figures.rulesProfile))</b> rules.</p>\n</header>\n"
        body += keyFigures(input)
        body += "<section id=\"timeline\">\n<h2>The night, hour by hour</h2>\n" + timeline(input, clock: clock)
            + "</section>\n"
        body += "<section id=\"hourly\">\n<h2>PLMs per clock hour</h2>\n" + hourly(input, clock: clock) + "</section>\n"
        body += "<section id=\"imi\" class=\"page\">\n<h2>Intervals between leg movements (IMI)</h2>\n"
            + imiHistograms(r.summaryJSON) + "</section>\n"
        body += "<section id=\"diary\">\n<h2>Diary of the night</h2>\n" + diary(input.diary) + "</section>\n"
        body += "<footer>\(SoftwareVersion.name) \(SoftwareVersion.version) · night \(r.night) · "
            + "rules \(Markup.escape(r.figures.rulesProfile)) · times in \(Markup.escape(input.settings.timeZone))"
            + " · docs/reports.md explains every part of this page.</footer>"
        return Markup.page(title: "plm night \(r.night) (\(weekday))", body: body)
    }

    // MARK: Key figures

    static func basisWords(_ basis: String) -> String {
        switch basis {
        case "sleep": return "sleep"
        case "in_bed": return "time in bed"
        case "recording": return "recording"
        default: return basis
        }
    }

    /// Key figures as a table; each value cell has `data-figure` (the store's column name) and `data-value`
    /// (the figure as the store exports it) so that tests and tools can read them back.
    static func keyFigures(_ input: Input) -> String {
        let f = input.record.figures
        var rows: [(label: String, key: String, shown: String, value: String, note: String)] = []
        func add(_ label: String, _ key: String, _ shown: String, _ value: String, _ note: String = "") {
            rows.append((label, key, shown, value, note))
        }
        let basis = basisWords(f.plmIndexBasis)
        add(
            "PLM index", "plm_index", f.plmIndex.map { Markup.fixed($0, 1) + " /h" } ?? "n/a",
            Markup.fixed(f.plmIndex, 3),
            f.plmIndex == nil
                ? "no PLM index: no valid basis (\(Markup.fixed(f.plmIndexHours, 2)) h of \(basis)); see data quality"
                : "PLMs per hour of \(basis) (\(Markup.fixed(f.plmIndexHours, 2)) h)"
                    + (f.plmIndex.map { $0 > 15 ? "; above 15/h" : "; not above 15/h" } ?? ""))
        add("Basis of the index", "plm_index_basis", basis, f.plmIndexBasis)
        add("Hours of the basis", "plm_index_hours", Markup.fixed(f.plmIndexHours, 2) + " h", Markup.fixed(f.plmIndexHours, 4))
        if f.plmsIndex != nil || f.plmwIndex != nil {
            add("PLMS index", "plms_index", f.plmsIndex.map { Markup.fixed($0, 1) + " /h" } ?? "n/a", Markup.fixed(f.plmsIndex, 3), "PLMs in sleep per hour of sleep")
            add("PLMW index", "plmw_index", f.plmwIndex.map { Markup.fixed($0, 1) + " /h" } ?? "n/a", Markup.fixed(f.plmwIndex, 3), "PLMs in wake per hour of wake")
        }
        add("Leg movements (LM)", "lm_count", String(f.lmCount), String(f.lmCount), "after merging and combining both legs")
        add("Candidate LMs (CLM)", "clm_count", String(f.clmCount), String(f.clmCount))
        add("Periodic LMs (PLM)", "plm_count", String(f.plmCount), String(f.plmCount))
        add("PLM series", "plm_series_count", String(f.plmSeriesCount), String(f.plmSeriesCount), "runs of at least 4 LMs 10–90 s apart")
        add(
            "Periodicity index", "periodicity_index", Markup.fixed(f.periodicityIndex, 2),
            Markup.fixed(f.periodicityIndex, 4), "0 none to 1 fully periodic (Ferri 2006)")
        add(
            "Median IMI in PLM series", "median_plm_imi_s", Markup.fixed(f.medianPLMIMISeconds, 1) + " s",
            Markup.fixed(f.medianPLMIMISeconds, 3))
        add(
            "Bilateral LMs", "bilateral_lm_share",
            f.bilateralLMShare.map { Markup.fixed($0 * 100, 1) + " %" } ?? "–", Markup.fixed(f.bilateralLMShare, 4),
            "\(f.bilateralLMCount) of \(f.lmCount) LMs on both legs at once")
        add("Recording", "recording_hours", Markup.fixed(f.recordingHours, 2) + " h", Markup.fixed(f.recordingHours, 4))
        add("In bed", "in_bed_hours", Markup.fixed(f.inBedHours, 2) + (f.inBedHours == nil ? "" : " h"), Markup.fixed(f.inBedHours, 4))
        if f.sleepHours != nil {
            add("Sleep", "sleep_hours", Markup.fixed(f.sleepHours, 2) + " h", Markup.fixed(f.sleepHours, 4))
        }
        if f.validHoursLeft != nil || f.validHoursRight != nil {
            add(
                "Valid signal, left leg", "valid_hours_left",
                f.validHoursLeft.map { Markup.fixed($0, 2) + " h" } ?? "not recorded", Markup.fixed(f.validHoursLeft, 4))
            add(
                "Valid signal, right leg", "valid_hours_right",
                f.validHoursRight.map { Markup.fixed($0, 2) + " h" } ?? "not recorded", Markup.fixed(f.validHoursRight, 4))
        }
        if let g = f.gapCount { add("Gaps in the data", "gap_count", String(g), String(g), "both legs") }
        add("Rules", "rules_profile", f.rulesProfile, f.rulesProfile)

        var out = "<section id=\"figures\">\n<h2>Key figures</h2>\n"
        if let index = f.plmIndex {
            out += "<p><span class=\"big\" id=\"plm-index\">PLM index \(Markup.fixed(index, 1)) /h</span>"
            out += " <span class=\"note\">per hour of \(Markup.escape(basis))</span></p>\n"
        } else {
            // No unit on n/a: there is no figure; the data quality below says why.
            out += "<p><span class=\"big\" id=\"plm-index\">PLM index n/a</span>"
            out += " <span class=\"note\">no valid basis: see data quality</span></p>\n"
        }
        out += "<table id=\"key-figures\">\n<thead><tr><th>Figure</th><th>Value</th><th>Note</th></tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr><th scope=\"row\">\(Markup.escape(row.label))</th>"
                + "<td class=\"num\" data-figure=\"\(row.key)\" data-value=\"\(Markup.escape(row.value))\">"
                + "\(Markup.escape(row.shown))</td><td>\(Markup.escape(row.note))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n<h3>Data quality</h3>\n"
        if f.dataQuality == NightFigures.notUsable {
            out += "<p id=\"quality-verdict\" data-figure=\"data_quality_verdict\">not usable: this night has no PLM index.</p>\n"
        }
        if f.qualityFindings.isEmpty {
            out += "<p id=\"quality\" data-figure=\"data_quality\">ok: no findings.</p>\n"
        } else {
            out += "<ul class=\"findings\" id=\"quality\" data-figure=\"data_quality\">\n"
            for q in f.qualityFindings { out += "<li>\(Markup.escape(q))</li>\n" }
            out += "</ul>\n"
        }
        return out + "</section>\n"
    }

    // MARK: Clock

    /// Turns seconds from the start of the recording into local clock time (the offset in force at the start;
    /// a clock change during the night is not followed).
    struct Clock {
        /// Local seconds since midnight at the start of the recording; nil when the start is not known.
        let startOfDay: Int?
        /// Length of the timeline, seconds.
        let length: Double

        init(_ input: Input) {
            if let start = input.record.startUnixMicroseconds {
                let offset = input.settings.utcOffset(at: start)
                let local = Int((Double(start) / 1e6).rounded(.down)) + offset
                startOfDay = ((local % 86_400) + 86_400) % 86_400
            } else {
                startOfDay = nil
            }
            var end = input.record.figures.recordingHours * 3600
            for e in input.events { end = max(end, e.onsetSeconds + e.durationSeconds) }
            for i in input.intervals { end = max(end, i.endSeconds) }
            length = max(end, 60)
        }

        var known: Bool { startOfDay != nil }
        var origin: Double { Double(startOfDay ?? 0) }

        /// The first hour boundary (seconds from the start) and the hour it is.
        func hours() -> [(seconds: Double, hour: Int)] {
            let first = (origin / 3600).rounded(.up) * 3600 - origin
            var out: [(Double, Int)] = []
            var t = first
            while t <= length + 1e-9 {
                out.append((t, Int(((origin + t) / 3600).rounded()) % 24))
                t += 3600
            }
            return out
        }

        /// `HH:00` for a clock hour, or `+N h` without a known start.
        func label(hourAt seconds: Double, hour: Int) -> String {
            known ? two(hour) + ":00" : "+\(Int((seconds / 3600).rounded())) h"
        }
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }

    // MARK: Timeline

    static func timeline(_ input: Input, clock: Clock) -> String {
        let f = input.record.figures
        let events = input.events
        var rows: [(label: String, side: String)] = []
        let hasLeft = f.validHoursLeft != nil || events.contains { $0.side == "L" }
            || input.intervals.contains { $0.leg == "left" }
        let hasRight = f.validHoursRight != nil || events.contains { $0.side == "R" }
            || input.intervals.contains { $0.leg == "right" }
        if hasLeft || !hasRight { rows.append(("Left leg", "L")) }
        if hasRight || !hasLeft { rows.append(("Right leg", "R")) }
        if events.contains(where: { $0.side == "B" }) { rows.append(("Both legs", "B")) }
        if events.contains(where: { $0.side != "L" && $0.side != "R" && $0.side != "B" }) {
            rows.append(("Side unknown", "U"))
        }
        let left = 110.0
        let right = 20.0
        let width = 1000.0
        let plotW = width - left - right
        let bedY = 10.0
        let bedH = 16.0
        let rowTop = bedY + bedH + 12
        let rowH = 40.0
        let axisY = rowTop + Double(rows.count) * rowH
        let height = axisY + 34
        func x(_ t: Double) -> Double { left + max(0, min(t, clock.length)) / clock.length * plotW }
        var svg = SVG(width: width, height: height)
        let id = "timeline-svg"
        svg.raw(
            "<defs><pattern id=\"\(id)-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
                + "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
                + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#000\" stroke-width=\"2\"/></pattern></defs>")
        // Hour grid and labels.
        for (t, hour) in clock.hours() {
            svg.line(x1: x(t), y1: bedY, x2: x(t), y2: axisY, stroke: "#ccc")
            svg.line(x1: x(t), y1: axisY, x2: x(t), y2: axisY + 5, stroke: "#000")
            svg.text(clock.label(hourAt: t, hour: hour), x: x(t), y: axisY + 19, anchor: "middle", size: 13)
        }
        svg.line(x1: left, y1: axisY, x2: left + plotW, y2: axisY, stroke: "#000")
        // Time in bed.
        svg.text("In bed", x: left - 8, y: bedY + bedH - 3, anchor: "end", size: 13)
        svg.rect(x: left, y: bedY, w: plotW, h: bedH, fill: "none", stroke: "#999")
        let beds = input.intervals.filter { $0.kind == .inBed }
        for b in beds {
            svg.rect(x: x(b.onsetSeconds), y: bedY, w: x(b.endSeconds) - x(b.onsetSeconds), h: bedH, fill: "#6b8fb5")
        }
        if beds.isEmpty {
            svg.text("not known", x: left + 6, y: bedY + bedH - 4, size: 11, fill: "#555")
        }
        // Rows.
        for (i, row) in rows.enumerated() {
            let y = rowTop + Double(i) * rowH
            svg.text(row.label, x: left - 8, y: y + rowH / 2 + 4, anchor: "end", size: 13)
            svg.line(x1: left, y1: y + rowH, x2: left + plotW, y2: y + rowH, stroke: "#eee")
        }
        // PLM series: a shaded span over every row.
        var spans: [(start: Double, end: Double)] = []
        var current: (id: Int, start: Double, end: Double)? = nil
        for e in events where e.isPLM {
            guard let s = e.seriesID else { continue }
            if let c = current, c.id == s {
                current = (s, c.start, max(c.end, e.onsetSeconds + e.durationSeconds))
            } else {
                if let c = current { spans.append((c.start, c.end)) }
                current = (s, e.onsetSeconds, e.onsetSeconds + e.durationSeconds)
            }
        }
        if let c = current { spans.append((c.start, c.end)) }
        for s in spans {
            svg.rect(
                x: x(s.start), y: rowTop, w: max(x(s.end) - x(s.start), 1.5), h: Double(rows.count) * rowH,
                fill: "#f4c7c3")
        }
        // Gaps, hatched on their leg's row (or every leg row when the leg is not said).
        for g in input.intervals where g.kind == .gap {
            for (i, row) in rows.enumerated() {
                let leg = row.side == "L" ? "left" : row.side == "R" ? "right" : nil
                guard leg != nil, g.leg == nil || g.leg == leg else { continue }
                let y = rowTop + Double(i) * rowH + 3
                svg.rect(
                    x: x(g.onsetSeconds), y: y, w: max(x(g.endSeconds) - x(g.onsetSeconds), 2), h: rowH - 6,
                    fill: "url(#\(id)-hatch)", stroke: "#000")
            }
        }
        // Leg movements: ticks, PLMs tall and red, others short and grey.
        for (i, row) in rows.enumerated() {
            let y = rowTop + Double(i) * rowH
            for e in events where (row.side == "U" ? !["L", "R", "B"].contains(e.side) : e.side == row.side) {
                let x0 = x(e.onsetSeconds)
                let w = max(x(e.onsetSeconds + e.durationSeconds) - x0, 1.2)
                if e.isPLM {
                    svg.rect(x: x0, y: y + 6, w: w, h: rowH - 12, fill: "#b2182b")
                } else {
                    svg.rect(x: x0, y: y + 13, w: w, h: rowH - 26, fill: "#444")
                }
            }
        }
        let plms = events.filter(\.isPLM).count
        let gaps = input.intervals.filter { $0.kind == .gap }.count
        let description =
            "Timeline of the night over \(Markup.fixed(clock.length / 3600, 1)) hours"
            + (clock.known ? " in local clock time" : " from the start of the recording")
            + ": \(events.count) leg movements on rows \(rows.map(\.label).joined(separator: ", ")), \(plms) of them "
            + "periodic in \(spans.count) PLM series (shaded), \(beds.count) stretch(es) in bed, \(gaps) gap(s) in the data (hatched)."
        var out = "<figure>\n" + svg.render(id: id, title: "Timeline of the night", description: description) + "\n"
        out += "<figcaption class=\"legend\"><span><i class=\"key\" style=\"background:#6b8fb5\"></i>in bed</span>"
            + "<span><i class=\"key\" style=\"background:#b2182b\"></i>periodic leg movement (PLM)</span>"
            + "<span><i class=\"key\" style=\"background:#444\"></i>other leg movement</span>"
            + "<span><i class=\"key\" style=\"background:#f4c7c3\"></i>PLM series</span>"
            + "<span>\(Markup.hatchKey)no data from that leg</span><br>"
            + (clock.known
                ? "Local clock time (\(Markup.escape(input.settings.timeZone)))."
                : "Hours from the start of the recording (its clock time is not known).")
            + " \(events.count) leg movements, \(plms) periodic, \(spans.count) series, \(gaps) gaps.</figcaption>\n"
        return out + "</figure>\n"
    }

    // MARK: Hourly counts

    static func hourly(_ input: Input, clock: Clock) -> String {
        let origin = clock.origin
        let firstHour = Int((origin / 3600).rounded(.down))
        let lastHour = Int(((origin + clock.length) / 3600 - 1e-9).rounded(.down))
        var counts = Array(repeating: 0, count: max(lastHour - firstHour + 1, 1))
        for e in input.events where e.isPLM {
            let h = Int(((origin + e.onsetSeconds) / 3600).rounded(.down)) - firstHour
            if counts.indices.contains(h) { counts[h] += 1 }
        }
        func label(_ i: Int) -> String {
            let h = firstHour + i
            return clock.known ? two(h % 24) + "–" + two((h + 1) % 24) : "hour \(i + 1)"
        }
        let left = 50.0
        let width = 1000.0
        let plotW = width - left - 20
        let top = 20.0
        let plotH = 180.0
        let height = top + plotH + 40
        let maxCount = max(counts.max() ?? 0, 1)
        let step = niceStep(Double(maxCount), ticks: 4)
        let yMax = (Double(maxCount) / step).rounded(.up) * step
        var svg = SVG(width: width, height: height)
        var tick = 0.0
        while tick <= yMax + 1e-9 {
            let y = top + plotH - tick / yMax * plotH
            svg.line(x1: left, y1: y, x2: left + plotW, y2: y, stroke: tick == 0 ? "#000" : "#ddd")
            svg.text(Markup.n(tick), x: left - 6, y: y + 4, anchor: "end", size: 12)
            tick += step
        }
        let barW = plotW / Double(counts.count)
        for (i, c) in counts.enumerated() {
            let h = Double(c) / yMax * plotH
            let x0 = left + Double(i) * barW
            svg.rect(x: x0 + barW * 0.15, y: top + plotH - h, w: barW * 0.7, h: h, fill: "#b2182b")
            svg.text(String(c), x: x0 + barW / 2, y: top + plotH - h - 4, anchor: "middle", size: 12)
            svg.text(label(i), x: x0 + barW / 2, y: top + plotH + 18, anchor: "middle", size: counts.count > 14 ? 9 : 12)
        }
        let description = "PLMs per clock hour: "
            + counts.enumerated().map { "\(label($0.offset)) \($0.element)" }.joined(separator: ", ") + "."
        var out = "<figure>\n" + svg.render(id: "hourly-svg", title: "PLMs per clock hour", description: description)
        out += "\n<figcaption>Periodic leg movements counted by the clock hour they started in"
            + (clock.known ? "" : " (hours from the start of the recording)")
            + "; the first and last hours may be partly outside the recording.</figcaption>\n</figure>\n"
        out += "<table id=\"hourly-table\" class=\"compact\">\n<tr><th scope=\"row\">Hour</th>"
            + counts.indices.map { "<td>\(label($0))</td>" }.joined() + "</tr>\n<tr><th scope=\"row\">PLMs</th>"
            + counts.map { "<td class=\"num\">\($0)</td>" }.joined() + "</tr>\n</table>\n"
        return out
    }

    /// A round step (1, 2, 5 × 10^k) giving about `ticks` steps up to `maxValue`.
    static func niceStep(_ maxValue: Double, ticks: Int) -> Double {
        let raw = max(maxValue, 1e-9) / Double(max(ticks, 1))
        var p = 1.0
        while p * 10 <= raw { p *= 10 }
        while p > raw { p /= 10 }
        for m in [1.0, 2, 5, 10] where m * p >= raw { return max(m * p, 1) }
        return max(10 * p, 1)
    }

    // MARK: IMI histograms

    struct Histogram {
        var start: Double
        var width: Double
        var counts: [Int]
        var below: Int
        var above: Int
    }

    /// The two histograms of summary.json (`imi_histogram_2s`, `imi_histogram_log10`), decoded with the keys
    /// ScoreExport writes them with (`SummaryHistograms`); one missing or malformed is nil.
    static func histograms(_ summaryJSON: String) -> (linear: Histogram?, log: Histogram?) {
        guard let decoded = try? JSONDecoder().decode(SummaryHistograms.self, from: Data(summaryJSON.utf8)) else {
            return (nil, nil)
        }
        func read(_ h: SummaryHistogram?) -> Histogram? {
            guard let h, h.width > 0 else { return nil }
            return Histogram(start: h.start, width: h.width, counts: h.counts, below: h.below, above: h.above)
        }
        return (read(decoded.linear), read(decoded.log))
    }

    static func imiHistograms(_ summaryJSON: String) -> String {
        let (linear, log) = histograms(summaryJSON)
        guard linear != nil || log != nil else {
            return "<p class=\"note\">This night's summary has no IMI histograms (stored by an older plm).</p>\n"
        }
        var out = "<p class=\"note\">The time from one candidate leg movement's start to the next one's. In PLM "
            + "series these intervals cluster between 10 and 90 s (shaded), typically around 20–40 s; "
            + "movements that are not periodic spread out, mostly beyond 90 s.</p>\n<div class=\"pair\">\n"
        if let h = linear {
            let total = h.counts.reduce(0, +) + h.above + h.below
            out += "<figure>\n"
                + histogramSVG(
                    h, id: "imi-linear-svg", title: "IMI histogram, 2 s bins",
                    ticks: stride(from: 0.0, through: 90, by: 10).map { ($0, $0 == 90 ? "" : Markup.n($0)) }, unit: "IMI (s)",
                    shade: (10, 90), overflow: ">90")
                + "\n<figcaption>\(total) intervals; \(h.above) longer than 90 s (last bar).</figcaption>\n</figure>\n"
        }
        if let h = log {
            let total = h.counts.reduce(0, +) + h.above + h.below
            out += "<figure>\n"
                + histogramSVG(
                    h, id: "imi-log-svg", title: "IMI histogram, log scale",
                    ticks: [(0, "1"), (1, "10"), (2, "100"), (3, "1000")], unit: "IMI (s, log scale)",
                    shade: (1, log10(90)), overflow: nil)
                + "\n<figcaption>\(total) intervals on a log scale (0.1 decades per bar): the periodic peak "
                + "and the non-periodic ones apart.</figcaption>\n</figure>\n"
        }
        return out + "</div>\n"
    }

    static func histogramSVG(
        _ h: Histogram, id: String, title: String, ticks: [(Double, String)], unit: String, shade: (Double, Double),
        overflow: String?
    ) -> String {
        let width = 480.0
        let left = 40.0
        let right = 24.0
        let top = 12.0
        let plotH = 180.0
        let height = top + plotH + 44
        let bins = h.counts.count + (overflow == nil ? 0 : 1)
        let plotW = width - left - right
        let barW = plotW / Double(max(bins, 1))
        let lo = h.start
        let hi = h.start + h.width * Double(h.counts.count)
        func x(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * barW * Double(h.counts.count) }
        let all = h.counts + (overflow == nil ? [] : [h.above])
        let maxCount = max(all.max() ?? 0, 1)
        let step = niceStep(Double(maxCount), ticks: 4)
        let yMax = (Double(maxCount) / step).rounded(.up) * step
        var svg = SVG(width: width, height: height)
        svg.rect(x: x(shade.0), y: top, w: x(shade.1) - x(shade.0), h: plotH, fill: "#f4e3e1")
        var t = 0.0
        while t <= yMax + 1e-9 {
            let y = top + plotH - t / yMax * plotH
            svg.line(x1: left, y1: y, x2: left + plotW, y2: y, stroke: t == 0 ? "#000" : "#ddd")
            svg.text(Markup.n(t), x: left - 5, y: y + 4, anchor: "end", size: 11)
            t += step
        }
        for (i, c) in all.enumerated() where c > 0 {
            let bh = Double(c) / yMax * plotH
            let isOverflow = overflow != nil && i == all.count - 1
            svg.rect(
                x: left + Double(i) * barW + 0.5, y: top + plotH - bh, w: barW - 1, h: bh,
                fill: isOverflow ? "#888" : "#333")
        }
        for (v, label) in ticks {
            svg.line(x1: x(v), y1: top + plotH, x2: x(v), y2: top + plotH + 4, stroke: "#000")
            if !label.isEmpty { svg.text(label, x: x(v), y: top + plotH + 16, anchor: "middle", size: 11) }
        }
        if let overflow {
            svg.text(overflow, x: left + (Double(bins) - 0.5) * barW, y: top + plotH + 16, anchor: "middle", size: 11)
        }
        svg.text(unit, x: left + plotW / 2, y: top + plotH + 36, anchor: "middle", size: 12)
        let nonEmpty = h.counts.enumerated().filter { $0.element > 0 }.map {
            "\(Markup.n(h.start + Double($0.offset) * h.width))–\(Markup.n(h.start + Double($0.offset + 1) * h.width)): \($0.element)"
        }
        let description = "\(title). Counts per bin: "
            + (nonEmpty.isEmpty ? "none" : nonEmpty.joined(separator: "; "))
            + (overflow != nil ? "; above: \(h.above)" : "") + "."
        return svg.render(id: id, title: title, description: description)
    }

    // MARK: Diary

    /// A diary column's name in words: `caffeine_cups` → "Caffeine cups".
    static func label(_ column: String) -> String {
        let words = column.replacingOccurrences(of: "_", with: " ")
            .replacingOccurrences(of: " min", with: " (minutes)")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    static func diary(_ entry: DiaryEntry?) -> String {
        guard let entry else {
            return "<p id=\"diary-none\">No diary entry for this night (<code>plm diary add</code>).</p>\n"
        }
        var rows = ""
        for c in DiaryColumn.all where c.name != "date" {
            let text = entry.text(of: c.name)
            if text.isEmpty { continue }
            let unit = (c.unit.isEmpty || c.unit == "count" || c.type == "list" || c.name.hasSuffix("_min")) ? "" : " " + c.unit
            rows += "<tr><th scope=\"row\" title=\"\(Markup.escape(c.description))\">\(Markup.escape(label(c.name)))</th>"
                + "<td class=\"text\" data-diary=\"\(c.name)\">\(Markup.escape(text + unit))</td></tr>\n"
        }
        if rows.isEmpty { return "<p id=\"diary-none\">The diary entry for this night is empty.</p>\n" }
        return "<table id=\"diary-table\">\n<tbody>\n" + rows + "</tbody>\n</table>\n"
    }
}
