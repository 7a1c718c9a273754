import LegMovementScoring
import ScoreExport
import Testing

func us(_ s: Double) -> Microseconds { Microseconds((s * 1_000_000).rounded()) }

@Suite("Number and JSON formatting")
struct FormattingTests {
    @Test("fixed decimals, half away from zero, no negative zero, no exponent")
    func fixed() {
        let cases: [(Double, Int, String)] = [
            (0.125, 2, "0.13"), (-0.125, 2, "-0.13"), (-0.0001, 3, "0.000"), (0, 3, "0.000"),
            (1e6, 3, "1000000.000"), (2.5, 0, "3"), (15.5, 3, "15.500"), (0.001, 3, "0.001"),
            (10.25, 3, "10.250"), (1e-7, 4, "0.0000"), (123456789.5, 1, "123456789.5"), (0.05, 1, "0.1"),
        ]
        for (v, d, s) in cases { #expect(NumberFormat.fixed(v, decimals: d) == s, "\(v)") }
    }

    @Test("JSON: keys sorted by bytes, fixed numbers, escapes, scalar arrays on one line")
    func json() {
        let v = JSONValue.object([
            "b": .array([.integer(1), .integer(2)]),
            "B": .fixed(1.5, decimals: 2),
            "a": .object(["y": .null, "x": .bool(true)]),
            "s": .string("tab\there \"q\" \\ \u{1}"),
            "e": .array([]),
            "o": .array([.object(["k": .integer(0)])]),
            "n": .fixed(.nan, decimals: 1),
        ])
        let expected = """
            {
              "B": 1.50,
              "a": {
                "x": true,
                "y": null
              },
              "b": [1, 2],
              "e": [],
              "n": null,
              "o": [
                {
                  "k": 0
                }
              ],
              "s": "tab\\there \\"q\\" \\\\ \\u0001"
            }

            """
        #expect(v.rendered() == expected)
    }
}

@Suite("Score report files")
struct ScoreReportTests {
    /// Four left LMs 20 s apart from 10 s, then a bilateral one at 200 s; one apnea making 30 s breathing-related.
    static func report() throws -> ScoreReport {
        let lms = [10.0, 30, 50, 70].map { LegMovementEvent(onset: us($0), duration: us(1.25), leg: .left) }
            + [LegMovementEvent(onset: us(200), duration: us(1), leg: .left),
               LegMovementEvent(onset: us(200.75), duration: us(1), leg: .right)]
        let input = ScoringInput(
            legMovements: lms, respiratoryEvents: [IntervalEvent(onset: us(15), duration: us(15))],
            recordingDuration: us(3600))
        let result = try Scorer.score(input, rules: .wasm2016)
        return ScoreReport(result: result, source: InputDescription(file: "x.tsv", format: "events-table"))
    }

    @Test("lm_events.tsv rows, worked out by hand")
    func eventsTable() throws {
        let tsv = try ScoreReportTests.report().eventsTSV()
        let expected = """
            onset\tduration\tside\tn_components\tis_clm\tnonclm_reason\timi\tseries_id\tis_plm\tstate\tstage\tresp_related\tarousal\timi_nr\tis_plm_nr
            10.000\t1.250\tL\t1\t1\tn/a\tn/a\t1\t1\tunknown\tn/a\t0\t0\tn/a\t0
            30.000\t1.250\tL\t1\t1\tn/a\t20.000\t1\t1\tunknown\tn/a\t1\t0\tn/a\tn/a
            50.000\t1.250\tL\t1\t1\tn/a\t20.000\t1\t1\tunknown\tn/a\t0\t0\t40.000\t0
            70.000\t1.250\tL\t1\t1\tn/a\t20.000\t1\t1\tunknown\tn/a\t0\t0\t20.000\t0
            200.000\t1.750\tB\t2\t1\tn/a\t130.000\tn/a\t0\tunknown\tn/a\t0\t0\t130.000\t0

            """
        #expect(tsv == expected)
    }

    @Test("summary.json carries the rules, the version and the figures; summary.csv is the same figures in one row")
    func summaries() throws {
        let r = try ScoreReportTests.report()
        let json = r.summaryJSON().rendered()
        #expect(json.contains("\"plm_count\": 4,"))
        #expect(json.contains("\"plm_index\": 4.000,"))
        #expect(json.contains("\"plm_index_basis\": \"recording\","))
        #expect(json.contains("\"plm_nr_count\": 0,"))
        #expect(json.contains("\"imi_min_s\": 10.000,"))
        #expect(json.contains("\"resp_window_after_s\": 10.250,"))
        #expect(json.contains("\"version\": \"\(SoftwareVersion.version)\""))
        for key in RuleKey.allCases { #expect(json.contains("\"\(key.rawValue)\": "), "\(key)") }
        let lines = r.summaryCSV().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let values = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(header.count == values.count)
        let row = Dictionary(uniqueKeysWithValues: zip(header, values))
        #expect(row["plm_count"] == "4")
        #expect(row["plm_index"] == "4.000")
        #expect(row["rules_imi_max_inclusive"] == "true")
        #expect(row["rules_profile"] == "wasm2016")
        #expect(row["imi_histogram_2s_counts_10"] == "3")  // three 20 s IMIs
        #expect(row["imi_histogram_2s_above"] == "1")  // 130 s
        #expect(row["plms_index"] == "")
        #expect(Set(header).count == header.count)
    }
}
