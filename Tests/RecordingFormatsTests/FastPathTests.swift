import AccelerationSignal
import CSVFormat
import Foundation
import PLMVocabulary
import SensorFrames
import TestSupport
import Testing

@testable import RecordingFormats

/// The readers' fast paths (issue 16, "Speed of every reader") give what the general paths give: every number the
/// same double as the standard library's correctly rounded conversion, every CSV record the same fields and lines
/// whether it is read in place or copied field by field.
@Suite struct FastPathTests {
    /// A random decimal string: sign, integer digits, point, fraction digits and exponent each present or not,
    /// with up to 25 digits on either side (so both the fast path and the fallback are exercised).
    static func randomDecimal(_ rng: inout SplitMix64) -> String {
        func digits(_ n: Int) -> String {
            String((0..<n).map { _ in Character(String(rng.next() % 10)) })
        }
        var s = ""
        switch rng.next() % 4 {
        case 0: s += "-"
        case 1: s += "+"
        default: break
        }
        let shape = rng.next() % 5
        let intDigits = shape == 0 ? Int(rng.next() % 26) : Int(rng.next() % 4)
        s += digits(intDigits)
        if rng.next() % 4 != 0 { s += "." + digits(shape == 1 ? Int(rng.next() % 26) : Int(rng.next() % 9)) }
        if rng.next() % 5 == 0 {
            s += rng.next() % 2 == 0 ? "e" : "E"
            switch rng.next() % 3 {
            case 0: s += "-"
            case 1: s += "+"
            default: break
            }
            s += digits(1 + Int(rng.next() % 3))
        }
        return s
    }

    /// What `PlainDecimal` must return: the standard library's conversion for a string of digits with at most
    /// one point and an optional exponent, nil when it has no digit before the exponent or the value is infinite.
    static func expected(_ s: String) -> Double? {
        let mantissa = s.split(whereSeparator: { $0 == "e" || $0 == "E" }).first.map(String.init) ?? ""
        guard mantissa.contains(where: \.isNumber) else { return nil }
        if s.hasSuffix("e") || s.hasSuffix("E") || s.hasSuffix("-") || s.hasSuffix("+") { return nil }
        guard let v = Double(s), v.isFinite else { return nil }
        return v
    }

    @Test func numbersAreTheStandardLibrarysOnRandomStrings() {
        var rng = SplitMix64(seed: 16_04)
        var checked = 0
        for _ in 0..<200_000 {
            let s = FastPathTests.randomDecimal(&rng)
            let got = PlainDecimal.parse(s)
            let want = FastPathTests.expected(s)
            #expect(got?.bitPattern == want?.bitPattern, "'\(s)': \(String(describing: got)) != \(String(describing: want))")
            if want != nil { checked += 1 }
        }
        #expect(checked > 150_000)
    }

    @Test func numbersAreTheStandardLibrarysOnEdgeCases() {
        let cases = [
            "0", "-0", "+0", "0.0", "-0.000", "00000000000000000000001", "0.00000000000000000000000000001234",
            "1", "-1", "+1", "1.", ".5", "-.5", "+.5", "5.e3", ".5e-3", "9007199254740992", "9007199254740993",
            "-9007199254740993", "9007199254740992.5", "900719925474099.25", "1234567890123456789",
            "12345678901234567890", "0.1", "0.2", "0.3", "-0.017453", "1.000001", "2.9999995", "12345.6700",
            "29847.4700", "0.000001", "-0.999999", "1e22", "1e23", "1E-22", "1e-23", "4.9e-324", "2.4e-324",
            "2.2250738585072014e-308", "1.7976931348623157e308", "17976931348623157e292", "123456789012345678901234567890",
            "0.1000000000000000055511151231257827", "3.14159265358979323846264338327950288",
            "99999999999999999999", "1.9999999999999999", "0.9999999999999999444888487687421729",
        ]
        for s in cases {
            #expect(PlainDecimal.parse(s)?.bitPattern == Double(s)?.bitPattern, "\(s)")
        }
        for s in ["", "-", "+", ".", "-.", "1e", "1e+", "e5", "1.2.3", "1-2", "0x10", "inf", "nan", " 1", "1 ", "1,5", "1e400"] {
            #expect(PlainDecimal.parse(s) == nil, "\(s)")
        }
    }

    /// Every record of `text`, as (line, fields, line of each field, problems).
    static func records(_ text: String, chunk: Int? = nil, trims: Bool = true) throws -> [String] {
        var reader: CSVReader
        if let chunk {
            var rest = Array(text.utf8)[...]
            reader = CSVReader(file: "t.csv", trimsWhitespace: trims) {
                guard !rest.isEmpty else { return nil }
                let piece = Array(rest.prefix(chunk))
                rest = rest.dropFirst(chunk)
                return piece
            }
        } else {
            reader = CSVReader(bytes: Array(text.utf8), file: "t.csv", trimsWhitespace: trims)
        }
        var out: [String] = []
        while try reader.next() {
            let lines = (0..<reader.count).map { reader.line(ofField: $0) }
            out.append(
                "\(reader.line) \(reader.fields) \(lines) blank=\(reader.isBlank) "
                    + reader.problems.map { "\($0.kind)@\($0.line)#\($0.field):\($0.text)" }.joined(separator: ","))
        }
        return out
    }

    @Test func csvRecordsReadInPlaceMatchTheCopiedOnes() throws {
        // Unquoted records (read in place) between quoted ones (copied): fields, lines and problems as written.
        let text = "\u{FEFF}time, left_x ,left_y\r\n0.01,1,2\n\"0.02\",\"a\nb\",3\r\n  \n0.03,\t4 ,5\r"
            + "0.04,\"x\"y,6\n,,\n\"unterminated\n0.05,7,8"
        let expected = [
            "1 [\"time\", \"left_x\", \"left_y\"] [1, 1, 1] blank=false ",
            "2 [\"0.01\", \"1\", \"2\"] [2, 2, 2] blank=false ",
            "3 [\"0.02\", \"a\\nb\", \"3\"] [3, 3, 4] blank=false ",
            "5 [\"\"] [5] blank=true ",
            "6 [\"0.03\", \"4\", \"5\"] [6, 6, 6] blank=false ",
            "7 [\"0.04\", \"xy\", \"6\"] [7, 7, 7] blank=false textAfterQuote@7#1:y",
            "8 [\"\", \"\", \"\"] [8, 8, 8] blank=true ",
            "9 [\"unterminated\\n0.05,7,8\"] [9] blank=false unterminatedQuote@9#0:\"unterminated\n0.05,7,8",
        ]
        #expect(try FastPathTests.records(text) == expected)
        // Read in chunks of every size: a record cut anywhere by a chunk boundary reads the same.
        for chunk in [1, 2, 3, 5, 7, 16, 64] {
            #expect(try FastPathTests.records(text, chunk: chunk) == expected, "chunk \(chunk)")
        }
        // Without trimming, spaces around unquoted fields are kept.
        #expect(try FastPathTests.records(" a , b \n", trims: false) == ["1 [\" a \", \" b \"] [1, 1] blank=false "])
        // A record of more fields than the reader first makes room for.
        let wide = (0..<100).map(String.init).joined(separator: ",")
        #expect(try FastPathTests.records(wide + "\n" + wide, chunk: 10).count == 2)
        #expect(try FastPathTests.records(wide) == ["1 \((0..<100).map(String.init)) \([Int](repeating: 1, count: 100)) blank=false "])
    }

    /// Writes sensor 0 and 1 frames as `writeSimpleRecording` does; frame `bad` of sensor 0 is stored with one
    /// sample byte changed (its CRC no longer matches, the block's does), or left out when `omit`.
    static func recording(_ url: URL, frames: Int, bad: Int, omit: Bool) throws {
        let w = try PlmrecWriter.create(at: url, header: testHeader())
        for k in 0..<frames {
            for s in 0..<2 {
                let offset = UInt64(s + 1) * 1_000_000
                let host = Int64(k * 60_000)
                if k % 50 == 0 { try w.appendClockAnchor(sensor: s, hostTime: host, deviceTime: UInt64(host) + offset) }
                let f = makeFrame(sensor: s, sequence: UInt32(k), first: 6 * k, timestamp: UInt64(host) + offset)
                var bytes = try #require(SensorFrameCodec.encode(f))
                if s == 0, k == bad {
                    if omit { continue }
                    bytes[30] ^= 0x40
                }
                try w.appendFrame(sensor: s, hostTime: host + 55_000, bytes: bytes)
            }
            if k % 10 == 9 { try w.flush() }
        }
        try w.close()
    }

    @Test func plmrecFrameFailingItsCRCIsNotUsedByTheSensorPasses() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let damaged = dir.appendingPathComponent("damaged.plmrec")
        let without = dir.appendingPathComponent("without.plmrec")
        try FastPathTests.recording(damaged, frames: 60, bad: 23, omit: false)
        try FastPathTests.recording(without, frames: 60, bad: 23, omit: true)
        var a = try PlmrecFrameSource(url: damaged)
        var b = try PlmrecFrameSource(url: without)
        let gridA = try readAll(&a)
        let gridB = try readAll(&b)
        // Counted by the left sensor's pass, which checks every frame's CRC as it reads it.
        #expect(a.quality.framesBad == 1)
        #expect(a.quality.problems.contains { $0.kind == .badFrame && $0.message.contains("CRC") })
        #expect(b.quality.framesBad == 0)
        #expect(a.quality.framesOK == b.quality.framesOK)
        // The bad frame's six samples of the left leg are missing, as when it was never recorded.
        #expect(gridA.count == gridB.count)
        #expect(sameFrames(gridA, gridB))
        #expect(gridA.enumerated().contains { $0.offset % 6 < 3 && $0.element.isNaN })
    }

    @Test("frame times in bulk: the same as time(ofFrame:) one by one, at rates that divide 10^6 and rates that do not")
    func frameTimesInBulk() {
        let rates: [Double] = [25, 50, 100, 125, 128, 200, 1000, 4096, 33.3, 1e6 / 3, 99.99]
        let starts: [Int64] = [0, 1, 2_984_748, 7_000_000_000, (1 << 53) / 1_000_000 - 500]
        var mismatches = 0
        for rate in rates {
            for startTime: Microseconds in [0, -5_000_000, 1_234_567] {
                let d = SignalDescription(sampleRate: rate, legs: [.left, .right], startTime: startTime)
                for first in starts {
                    var times = [Double](repeating: .nan, count: 1000)
                    times.withUnsafeMutableBufferPointer { d.times(ofFrames: first, into: $0) }
                    for (k, t) in times.enumerated() where t != Double(d.time(ofFrame: first + Int64(k))) {
                        mismatches += 1
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }
}
