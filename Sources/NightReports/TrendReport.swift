import DiaryCorrelation
import Foundation
import NightStore
import SelfExperiment
import ScoreExport
import SleepDiary

/// The trend report: the stored nights over weeks and months as a self-contained HTML page (docs/reports.md) —
/// the PLM index per night with its rolling median and the 15/h line, the diary's factors on the same dates,
/// the correlation of each factor in words, and a table of the nights.
public enum TrendReport {
    /// Everything the page is drawn from.
    public struct Input: Sendable {
        /// The nights of the report, oldest first.
        public var nights: [NightRecord]
        /// The diary entries of the report's period, oldest first.
        public var diary: [DiaryEntry]
        /// The trailing rolling median of the PLM index per night (computed over every stored night, so the
        /// first nights of a period have their earlier nights behind them).
        public var rollingMedian: [NightDate: Double]
        /// The diary factors against the PLM index over the report's nights.
        public var correlation: CorrelationReport
        /// The period asked for, if any.
        public var from: NightDate?
        public var to: NightDate?
        /// Self-experiments overlapping the period, with their results so far (nil when no night is measured yet).
        public var trials: [(plan: TrialPlan, result: TrialResult?)] = []
        /// Medicine changes in the period with their before/after comparison, and medicines without a dose.
        public var treatmentChanges: [TreatmentChange] = []
        public var missingDoses: [TreatmentResponse.MissingDose] = []

        /// - Parameters:
        ///   - nights: the nights to show, oldest first.
        ///   - diary: the diary entries of the period.
        ///   - rollingMedian: the rolling median per night.
        ///   - correlation: the correlation over the nights shown.
        ///   - from: first night asked for (nil: from the first stored).
        ///   - to: last night asked for (nil: to the last stored).
        public init(
            nights: [NightRecord], diary: [DiaryEntry], rollingMedian: [NightDate: Double],
            correlation: CorrelationReport, from: NightDate? = nil, to: NightDate? = nil
        ) {
            self.nights = nights
            self.diary = diary
            self.rollingMedian = rollingMedian
            self.correlation = correlation
            self.from = from
            self.to = to
        }

        /// Reads the nights and diary of a period from `store` and relates them.
        ///
        /// - Parameters:
        ///   - store: the store.
        ///   - from: first night (inclusive), nil for the first stored.
        ///   - to: last night (inclusive), nil for the last stored.
        ///   - settings: the correlation's settings (`plm correlate`'s defaults unless given).
        public static func load(
            from store: NightStore, from: NightDate? = nil, to: NightDate? = nil,
            settings: CorrelationSettings = .init()
        ) throws -> Input {
            let all = try store.nights()
            let diary = try store.diary()
            return make(nights: all, diary: diary, from: from, to: to, settings: settings, trials: try store.trials().map(\.plan))
        }

        /// The input from every stored night and diary entry, cut to the period.
        ///
        /// - Parameters:
        ///   - nights: every stored night.
        ///   - diary: every diary entry.
        ///   - from: first night (inclusive), nil for no limit.
        ///   - to: last night (inclusive), nil for no limit.
        ///   - settings: the correlation's settings.
        public static func make(
            nights: [NightRecord], diary: [DiaryEntry], from: NightDate?, to: NightDate?,
            settings: CorrelationSettings = .init(), trials: [TrialPlan] = []
        ) -> Input {
            func inside(_ d: NightDate) -> Bool { (from.map { d >= $0 } ?? true) && (to.map { d <= $0 } ?? true) }
            let outcomes = nights.compactMap { n in n.figures.usablePLMIndex.map { NightOutcome(night: n.night, plmIndex: $0) } }
            let everything = DiaryCorrelation.analyse(nights: outcomes, diary: diary, settings: settings)
            var rolling: [NightDate: Double] = [:]
            for r in everything.rolling { if let m = r.median { rolling[r.night] = m } }
            let shownNights = nights.filter { inside($0.night) }.sorted { $0.night < $1.night }
            let shownDiary = diary.filter { inside($0.night) }.sorted { $0.night < $1.night }
            let correlation = DiaryCorrelation.analyse(
                nights: outcomes.filter { inside($0.night) }, diary: shownDiary, settings: settings)
            var input = Input(
                nights: shownNights, diary: shownDiary, rollingMedian: rolling, correlation: correlation, from: from,
                to: to)
            let indexed = outcomes.map { (night: $0.night, plmIndex: $0.plmIndex) }
            input.trials = trials.filter { t in (from.map { t.last >= $0 } ?? true) && (to.map { t.first <= $0 } ?? true) }
                .map { t in (plan: t, result: try? TrialResult.analyse(plan: t, nights: indexed)) }
            let treatment = TreatmentResponse.analyse(nights: outcomes, diary: diary)
            input.treatmentChanges = treatment.changes.filter { inside($0.night) }
            input.missingDoses = treatment.missingDose
            return input
        }
    }

    // MARK: Page

    /// The page, byte-stable for the same input.
    ///
    /// - Parameter input: the nights, diary and correlation of the period.
    /// - Returns: a complete HTML document with inline SVG and no external resources.
    public static func html(_ input: Input) -> String {
        let days = (input.nights.map(\.night) + input.diary.map(\.night)).sorted()
        let first = input.from ?? days.first
        let last = input.to ?? days.last
        let period = [first, last].compactMap { $0?.description }.joined(separator: " to ")
        var body = "<header>\n<h1>PLM trend" + (period.isEmpty ? "" : " \(period)") + "</h1>\n"
        let indexed = input.nights.compactMap(\.figures.usablePLMIndex)
        body += "<p class=\"sub\" id=\"trend-summary\">\(input.nights.count) night\(input.nights.count == 1 ? "" : "s") recorded"
        body += ", \(input.diary.count) with a diary entry"
        if !indexed.isEmpty {
            let median = medianOf(indexed)
            let above = indexed.filter { $0 > 15 }.count
            body += "; median PLM index <b data-figure=\"median_plm_index\">\(Markup.fixed(median, 1))</b>/h, "
                + "<span data-figure=\"nights_above_15\">\(above)</span> of \(indexed.count) nights above 15/h"
        }
        body += ".</p>\n</header>\n"
        guard let first, let last else {
            body += "<p>No nights stored yet (<code>plm-replay --store</code>, <code>plm score --store</code>).</p>\n"
            return Markup.page(title: "plm trend", body: body)
        }
        let axis = DateAxis(first: first, last: last)
        body += "<section id=\"trend\">\n<h2>PLM index per night</h2>\n" + indexPlot(input, axis: axis) + "</section>\n"
        body += "<section id=\"factors\">\n<h2>Diary on the same dates</h2>\n" + factorPlot(input, axis: axis)
            + "</section>\n"
        body += "<section id=\"correlation\" class=\"page\">\n<h2>What went with better or worse nights</h2>\n"
            + correlationTable(input.correlation) + "</section>\n"
        if !input.trials.isEmpty {
            body += "<section id=\"trials\">\n<h2>Self-experiments</h2>\n" + trialSection(input) + "</section>\n"
        }
        if !input.treatmentChanges.isEmpty || !input.missingDoses.isEmpty {
            body += "<section id=\"treatment\">\n<h2>Medicine changes</h2>\n" + treatmentSection(input) + "</section>\n"
        }
        body += "<section id=\"nights\" class=\"page\">\n<h2>The nights</h2>\n" + nightsTable(input) + "</section>\n"
        body += "<footer>\(SoftwareVersion.name) \(SoftwareVersion.version) · \(Markup.escape(period)) · "
            + "docs/reports.md explains every part of this page; docs/statistics.md the statistics.</footer>"
        return Markup.page(title: "plm trend \(period)", body: body)
    }

    static func medianOf(_ values: [Double]) -> Double {
        let s = values.sorted()
        let n = s.count
        guard n > 0 else { return .nan }
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    // MARK: Date axis

    /// The horizontal axis shared by the plots: one slot per calendar night from `first` to `last`, labels
    /// thinned to days, weeks (Mondays), or months (the 1st) so that they never crowd.
    struct DateAxis {
        let first: Int
        let last: Int
        static let left = 150.0
        static let width = 1000.0
        static let right = 20.0
        var plotWidth: Double { DateAxis.width - DateAxis.left - DateAxis.right }
        var span: Int { last - first + 1 }

        init(first: NightDate, last: NightDate) {
            self.first = first.dayNumber
            self.last = max(last.dayNumber, first.dayNumber)
        }

        /// The centre of a night's slot.
        func x(_ day: Int) -> Double {
            DateAxis.left + (Double(day - first) + 0.5) / Double(span) * plotWidth
        }

        static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

        /// The labelled nights and their labels: every night, every other, weekly on Mondays, fortnightly, or
        /// monthly on the 1st (every 1, 2, 3, 6 or 12 months), whichever first fits about one label per 75 units.
        func labels() -> [(day: Int, text: String)] {
            let room = max(Int(plotWidth / 75), 2)
            let days = Array(first...last)
            func dayLabels(_ picked: [Int]) -> [(Int, String)] {
                var lastYear: Int? = nil
                return picked.map { d in
                    let date = NightDate(dayNumber: d)
                    let text = "\(date.day) \(DateAxis.months[date.month - 1])"
                        + (lastYear != date.year ? " \(date.year)" : "")
                    lastYear = date.year
                    return (d, text)
                }
            }
            if span <= room { return dayLabels(days) }
            if span <= room * 2 { return dayLabels(days.filter { ($0 - first) % 2 == 0 }) }
            // 1970-01-01 was a Thursday: Mondays are day numbers ≡ 4 (mod 7).
            let mondays = days.filter { (($0 % 7) + 7) % 7 == 4 }
            if mondays.count <= room { return dayLabels(mondays) }
            if (mondays.count + 1) / 2 <= room { return dayLabels(mondays.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)) }
            let firsts = days.filter { NightDate(dayNumber: $0).day == 1 }
            for every in [1, 2, 3, 6, 12] {
                let picked = firsts.filter { (NightDate(dayNumber: $0).month - 1) % every == 0 }
                if picked.count <= room || every == 12 {
                    var lastYear: Int? = nil
                    return picked.map { d in
                        let date = NightDate(dayNumber: d)
                        let text = DateAxis.months[date.month - 1] + (lastYear != date.year ? " \(date.year)" : "")
                        lastYear = date.year
                        return (d, text)
                    }
                }
            }
            return []
        }

        /// Grid lines and labels under a plot whose bottom is at `y`.
        func draw(_ svg: inout SVG, top: Double, bottom: Double, labelled: Bool) {
            if span <= 62 {
                for d in first...last {
                    svg.line(x1: x(d), y1: bottom, x2: x(d), y2: bottom + 3, stroke: "#000", width: 0.7)
                }
            }
            for (d, text) in labels() {
                svg.line(x1: x(d), y1: top, x2: x(d), y2: bottom, stroke: "#e4e4e4")
                svg.line(x1: x(d), y1: bottom, x2: x(d), y2: bottom + 6, stroke: "#000")
                if labelled { svg.text(text, x: x(d), y: bottom + 19, anchor: "middle", size: 12) }
            }
            svg.line(x1: DateAxis.left, y1: bottom, x2: DateAxis.left + plotWidth, y2: bottom, stroke: "#000")
        }
    }

    // MARK: PLM index plot

    static func indexPlot(_ input: Input, axis: DateAxis) -> String {
        let points = input.nights.compactMap { n in n.figures.usablePLMIndex.map { (day: n.night.dayNumber, value: $0) } }
        let medians = input.nights.compactMap { n in input.rollingMedian[n.night].map { (day: n.night.dayNumber, value: $0) } }
        let top = 14.0
        let plotH = 240.0
        let bottom = top + plotH
        let height = bottom + 30
        let maxValue = max((points.map(\.value) + medians.map(\.value)).max() ?? 0, 20)
        let step = NightlyReport.niceStep(maxValue, ticks: 5)
        let yMax = (maxValue / step).rounded(.up) * step
        func y(_ v: Double) -> Double { bottom - v / yMax * plotH }
        var svg = SVG(width: DateAxis.width, height: height)
        var t = 0.0
        while t <= yMax + 1e-9 {
            svg.line(x1: DateAxis.left, y1: y(t), x2: DateAxis.left + axis.plotWidth, y2: y(t), stroke: "#e4e4e4")
            svg.text(Markup.n(t), x: DateAxis.left - 6, y: y(t) + 4, anchor: "end", size: 12)
            t += step
        }
        svg.text("PLM index (/h)", x: 14, y: top + plotH / 2, anchor: "start", size: 13)
        axis.draw(&svg, top: top, bottom: bottom, labelled: true)
        svg.line(
            x1: DateAxis.left, y1: y(15), x2: DateAxis.left + axis.plotWidth, y2: y(15), stroke: "#000", width: 1.2,
            dash: "6 4")
        svg.text("15/h", x: DateAxis.left + axis.plotWidth - 2, y: y(15) - 4, anchor: "end", size: 12)
        // Self-experiment nights: green behind nights with the remedy, grey behind wash-out nights.
        let slot = axis.plotWidth / Double(axis.span)
        for t in input.trials {
            for n in t.plan.schedule where n.night.dayNumber >= axis.first && n.night.dayNumber <= axis.last {
                guard n.arm == .remedy || n.washout else { continue }
                svg.rect(
                    x: axis.x(n.night.dayNumber) - slot / 2, y: top, w: slot, h: plotH,
                    fill: n.washout ? "#e0e0e0" : "#d9f0d3")
            }
        }
        // Medicine changes: a line at the first night on the new dose, labelled.
        for (i, c) in input.treatmentChanges.enumerated() where c.night.dayNumber >= axis.first && c.night.dayNumber <= axis.last {
            let x = axis.x(c.night.dayNumber) - slot / 2
            svg.line(x1: x, y1: top, x2: x, y2: bottom, stroke: "#762a83", width: 1.5, dash: "3 3")
            svg.text(c.label, x: x + 3, y: top + 12 + Double(i % 3) * 13, anchor: "start", size: 11, halo: true)
        }
        // Lines join nights at most 3 days apart; a longer gap leaves a break.
        func segments(_ p: [(day: Int, value: Double)]) -> [[(Double, Double)]] {
            var out: [[(Double, Double)]] = []
            var current: [(Double, Double)] = []
            var previous: Int? = nil
            for q in p {
                if let previous, q.day - previous > 3 {
                    out.append(current)
                    current = []
                }
                current.append((axis.x(q.day), y(q.value)))
                previous = q.day
            }
            out.append(current)
            return out
        }
        for s in segments(points) { svg.polyline(s, stroke: "#777", width: 1.2) }
        for s in segments(medians) { svg.polyline(s, stroke: "#2166ac", width: 3) }
        let r = axis.span > 120 ? 2.2 : axis.span > 40 ? 3 : 4.5
        for p in points {
            svg.circle(cx: axis.x(p.day), cy: y(p.value), r: r, fill: p.value > 15 ? "#b2182b" : "#000")
        }
        if points.count <= 14 {
            for p in points {
                svg.text(
                    Markup.fixed(p.value, 1), x: axis.x(p.day), y: y(p.value) - 9, anchor: "middle", size: 12, halo: true)
            }
        }
        let description = "PLM index per night from \(NightDate(dayNumber: axis.first)) to "
            + "\(NightDate(dayNumber: axis.last)): " + points.map {
                "\(NightDate(dayNumber: $0.day)) \(Markup.fixed($0.value, 1))/h"
            }.joined(separator: ", ") + ". The dashed line is 15/h."
        var out = "<figure>\n" + svg.render(id: "trend-svg", title: "PLM index per night", description: description)
        out += "\n<figcaption class=\"legend\"><span><i class=\"key\" style=\"background:#000;border-radius:50%\"></i>"
            + "PLM index of a night (red when above 15/h)</span><span><i class=\"key\" style=\"background:#2166ac\"></i>"
            + "\(input.correlation.settings.rollingWindowNights)-night rolling median</span>"
            + "<span>\(Markup.dashKey)15/h, the usual cut-off</span>"
            + (input.trials.isEmpty ? "" : "<span><i class=\"key\" style=\"background:#d9f0d3\"></i>self-experiment: "
                + "night with the remedy</span><span><i class=\"key\" style=\"background:#e0e0e0\"></i>wash-out night</span>")
            + (input.treatmentChanges.isEmpty ? "" : "<span>purple dashed line: a medicine started, stopped or changed</span>")
            + "</figcaption>\n</figure>\n"
        return out
    }

    // MARK: Self-experiments and medicine changes

    static func trialSection(_ input: Input) -> String {
        var out = "<p>A self-experiment compares nights with and without a remedy in pairs of blocks whose order was "
            + "drawn at random (docs/statistics.md, \"Self-experiments\"); the nights with the remedy are green in the "
            + "plot above.</p>\n"
        for (i, t) in input.trials.enumerated() {
            let text = t.result?.text() ?? t.plan.scheduleText().split(separator: "\n").first.map(String.init) ?? ""
            out += "<div class=\"trial\" id=\"trial-\(i + 1)\">"
            for line in text.split(separator: "\n") { out += "<p>\(Markup.escape(String(line)))</p>" }
            if t.result == nil { out += "<p>No night of it has a PLM index yet.</p>" }
            out += "</div>\n"
        }
        return out
    }

    static func treatmentSection(_ input: Input) -> String {
        var out = "<p>Each change of a medicine's nightly dose that the diary keeps for several nights: the PLM index "
            + "before it against after it, leaving out the first nights after the change while the new dose takes "
            + "effect (docs/statistics.md, \"Treatment response\").</p>\n<ul id=\"treatment-changes\">\n"
        for c in input.treatmentChanges {
            out += "<li>\(Markup.escape(c.sentence(confidence: input.correlation.settings.confidence)))</li>\n"
        }
        for m in input.missingDoses { out += "<li class=\"problem\">\(Markup.escape(m.description))</li>\n" }
        return out + "</ul>\n"
    }

    // MARK: Diary factors

    struct FactorRow {
        var label: String
        /// Per night with a diary entry: the value (nil when the entry does not record it).
        var values: [(day: Int, value: Double?)]
        /// Amounts draw sized circles; yes/no rows draw squares.
        var isAmount: Bool
        var unit: String
    }

    static func factorRows(_ diary: [DiaryEntry]) -> [FactorRow] {
        func row(_ label: String, amount: Bool, unit: String = "", _ value: (DiaryEntry) -> Double?) -> FactorRow {
            FactorRow(
                label: label, values: diary.map { (day: $0.night.dayNumber, value: value($0)) }, isAmount: amount,
                unit: unit)
        }
        var rows: [FactorRow] = [
            row("Caffeine (cups)", amount: true, unit: "cups") { $0.caffeineCups.map(Double.init) },
            row("Alcohol (drinks)", amount: true, unit: "drinks") { $0.alcoholDrinks },
            row("Nicotine", amount: false) { e in e.nicotine.map { $0 ? 1 : 0 } },
            row("Exercise (min)", amount: true, unit: "min") { $0.exerciseMinutes.map(Double.init) },
            row("Iron (mg)", amount: true, unit: "mg") { $0.ironDoseMg },
        ]
        let remedyNames: [Remedy: String] = [
            .bath: "Bath", .massage: "Massage", .compression: "Compression", .stretching: "Stretching",
        ]
        for r in Remedy.allCases {
            rows.append(
                row("\(remedyNames[r] ?? r.rawValue) (min)", amount: false, unit: "min") { e in
                    Double(e.remedies[r]?.minutes ?? 0)
                })
        }
        for name in Set(diary.flatMap { $0.medications.map(\.name) }).sorted() {
            let shown = name.count > 20 ? String(name.prefix(19)) + "…" : name
            rows.append(
                row(shown, amount: false, unit: "mg") { e in
                    guard let m = e.medications.first(where: { $0.name == name }) else { return 0 }
                    return m.doseMg ?? 1
                })
        }
        rows += [
            row("Severity (0–10)", amount: true) { $0.symptomSeverity.map(Double.init) },
            row("Fatigue (0–10)", amount: true) { $0.fatigue.map(Double.init) },
        ]
        // Only rows the diary says something about: an amount recorded, or a yes at least once.
        return rows.filter { r in r.values.contains { v in v.value.map { r.isAmount || $0 > 0 } ?? false } }
    }

    static func factorPlot(_ input: Input, axis: DateAxis) -> String {
        let rows = factorRows(input.diary)
        guard !rows.isEmpty else {
            return "<p id=\"factors-none\">No diary entries in this period (<code>plm diary add</code>, "
                + "<code>plm diary import</code>).</p>\n"
        }
        let rowH = 26.0
        let top = 6.0
        let bottom = top + Double(rows.count) * rowH
        var svg = SVG(width: DateAxis.width, height: bottom + 30)
        axis.draw(&svg, top: top, bottom: bottom, labelled: true)
        let slot = axis.plotWidth / Double(axis.span)
        let maxR = min(rowH / 2 - 2, max(slot / 2, 2.5))
        let showNumbers = axis.span <= 21
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * rowH + rowH / 2
            if i % 2 == 0 {
                svg.rect(x: DateAxis.left, y: y - rowH / 2, w: axis.plotWidth, h: rowH, fill: "#f6f6f6")
            }
            svg.text(row.label, x: DateAxis.left - 8, y: y + 4, anchor: "end", size: 12)
            let largest = row.values.compactMap(\.value).max() ?? 0
            for v in row.values {
                guard let value = v.value else { continue }
                let cx = axis.x(v.day)
                if value <= 0 {
                    svg.circle(cx: cx, cy: y, r: min(1.8, maxR), fill: "#fff", stroke: "#777")
                    continue
                }
                if row.isAmount {
                    let r = max(maxR * (value / max(largest, 1e-9)).squareRoot(), 1.5)
                    svg.circle(cx: cx, cy: y, r: r, fill: "#444")
                } else {
                    let side = max(min(maxR * 1.6, 14), 3)
                    svg.rect(x: cx - side / 2, y: y - side / 2, w: side, h: side, fill: "#2166ac")
                }
                if showNumbers && (row.isAmount || value != 1) {
                    svg.text(DiaryEntryText.number(value), x: cx + maxR + 2, y: y + 4, size: 10)
                }
            }
        }
        let description = "Diary factors per night: "
            + rows.map { r in
                r.label + " "
                    + r.values.compactMap { v in v.value.map { "\(NightDate(dayNumber: v.day)) \(DiaryEntryText.number($0))" } }
                    .joined(separator: ", ")
            }.joined(separator: "; ") + "."
        var out = "<figure>\n" + svg.render(id: "factors-svg", title: "Diary factors per night", description: description)
        out += "\n<figcaption class=\"legend\"><span><i class=\"key\" style=\"background:#444;border-radius:50%\"></i>"
            + "an amount (bigger is more; largest of the row is full size)</span>"
            + "<span><i class=\"key\" style=\"background:#2166ac\"></i>done or taken that night</span>"
            + "<span><i class=\"key\" style=\"background:#fff;border-color:#777;border-radius:50%\"></i>recorded as none</span>"
            + "<br>No mark: no diary entry, or the field was left blank.</figcaption>\n</figure>\n"
        return out
    }

    // MARK: Correlation

    static func correlationTable(_ r: CorrelationReport) -> String {
        let s = r.settings
        var out = "<p>Over the \(r.nightCount) night\(r.nightCount == 1 ? "" : "s") of this report with a PLM index, "
            + "\(r.diaryNightCount) with a diary entry. Each factor is compared on the same night and with the night "
            + "before; a finding is called clear only when it holds across all factors tested "
            + "(false discovery rate \(Markup.n(s.falseDiscoveryRate * 100)) %). Nights are one person's; "
            + "a link is not proof of cause.</p>\n"
        let tested = r.results.filter { $0.notTested == nil }.sorted {
            ($0.qValue ?? 1, $0.factor, $0.lag) < ($1.qValue ?? 1, $1.factor, $1.lag)
        }
        func table(_ rows: [FactorResult], id: String) -> String {
            var out = "<table id=\"\(id)\">\n<thead><tr><th>Factor</th><th>When</th><th>Nights</th>"
                + "<th>In words</th></tr></thead>\n<tbody>\n"
            for t in rows {
                let when = t.lag == 0 ? "same night" : t.lag == 1 ? "night before" : "\(t.lag) nights before"
                let clear = (t.qValue ?? 1) <= s.falseDiscoveryRate
                out += "<tr\(clear ? " class=\"clear\"" : "")><td>\(Markup.escape(t.words))</td><td>\(when)</td>"
                    + "<td class=\"num\">\(t.nights)</td><td>"
                    + (clear ? "<b>" : "")
                    + Markup.escape(t.sentence(confidence: s.confidence, falseDiscoveryRate: s.falseDiscoveryRate))
                    + (clear ? "</b>" : "") + "</td></tr>\n"
            }
            return out + "</tbody>\n</table>\n"
        }
        if tested.isEmpty {
            out += "<p id=\"correlation-none\">No factor has enough nights yet.</p>\n"
        } else {
            let clear = r.clearFindings
            if clear.isEmpty {
                out += "<p id=\"correlation-no-clear\">No clear finding yet.</p>\n"
            } else {
                out += "<h3>Clear findings</h3>\n" + table(clear, id: "correlation-table")
            }
            let others = tested.filter { t in !clear.contains { $0.factor == t.factor && $0.lag == t.lag } }
            if !others.isEmpty {
                out += "<details id=\"correlation-others\"><summary>\(others.count) other test"
                    + "\(others.count == 1 ? "" : "s") with no clear difference</summary>\n"
                    + table(others, id: "correlation-others-table") + "</details>\n"
            }
        }
        // A yes/no factor never used is not waiting for nights: it is left out.
        let waiting = r.results.filter {
            $0.notTested != nil && $0.lag == 0 && $0.nights > 0 && ($0.kind == .dose || ($0.nightsWith ?? 0) > 0)
        }
        if !waiting.isEmpty {
            out += "<h3>Not enough nights yet</h3>\n<ul id=\"correlation-waiting\">\n"
            for w in waiting {
                out += "<li><b>\(Markup.escape(w.words))</b>: \(Markup.escape(w.notTested ?? ""))</li>\n"
            }
            out += "</ul>\n"
        }
        return out
    }

    // MARK: Nights table

    static func trialWords(_ night: NightDate, _ input: Input) -> String {
        for t in input.trials {
            if let n = t.plan.arm(of: night) {
                return (n.arm == .remedy ? t.plan.remedy : "without \(t.plan.remedy)") + (n.washout ? ", wash-out" : "")
            }
        }
        return ""
    }

    static func nightsTable(_ input: Input) -> String {
        guard !input.nights.isEmpty else { return "<p>No recorded nights in this period.</p>\n" }
        let diary = Dictionary(input.diary.map { ($0.night, $0) }, uniquingKeysWith: { a, _ in a })
        var out = "<table id=\"nights-table\">\n<thead><tr><th>Night</th><th>In bed h</th><th>PLM index /h</th>"
            + "<th>Basis</th><th>\(input.correlation.settings.rollingWindowNights)-night median</th><th>PLMs</th>"
            + "<th>Quality</th>" + (input.trials.isEmpty ? "" : "<th>Trial</th>") + "<th>Diary</th></tr></thead>\n<tbody>\n"
        for n in input.nights {
            let f = n.figures
            out += "<tr data-night=\"\(n.night)\"><td class=\"nowrap\">\(NightExport.weekday(n.night)) \(n.night)</td>"
                + "<td class=\"num\">\(Markup.fixed(f.inBedHours, 1))</td>"
                + "<td class=\"num\" data-figure=\"plm_index\" data-value=\"\(Markup.fixed(f.plmIndex, 3))\">"
                + "\(Markup.fixed(f.plmIndex, 1))</td><td>\(Markup.escape(NightlyReport.basisWords(f.plmIndexBasis)))</td>"
                + "<td class=\"num\">\(Markup.fixed(input.rollingMedian[n.night], 1))</td>"
                + "<td class=\"num\" data-figure=\"plm_count\">\(f.plmCount)</td>"
                + "<td>\(f.dataQuality.replacingOccurrences(of: "_", with: " "))</td>"
                + (input.trials.isEmpty ? "" : "<td>\(Markup.escape(trialWords(n.night, input)))</td>")
                + "<td>\(Markup.escape(diary[n.night]?.highlights ?? ""))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }
}

/// Numbers from the diary as people write them: `2`, `1.5`.
enum DiaryEntryText {
    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        let s = NumberFormat.fixed(v, decimals: 2)
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }
}
