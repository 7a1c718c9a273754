import AccelerationSignal
import CZlib
import EDFFormat
import Foundation
import LegMovementScoring
import SensorFrames
import TestSupport
import Testing

@testable import RecordingFormats

/// The inputs of issue 14 that concern reading a file, each as a regression test: it must end in a clear error
/// (naming the file and the byte offset or line) or in a finding, never in a trap, a hang, an unbounded
/// allocation or a silently changed value. plm-replay exits 1 for an error (docs/fuzzing.md lists each input).
@Suite("hostile recordings: errors or findings, never traps, hangs or silent changes")
struct HostileInputTests {
    // MARK: .plmrec

    /// A .plmrec built record by record (block 0: header and sensors; block 1: the given records).
    static func plmrec(_ url: URL, sensors: [(Int, PlmrecSensor)]? = nil, records: [PlmrecRecord]) throws {
        let header = testHeader()
        var b0: [UInt8] = []
        PlmrecRecord.header(header).encode(into: &b0)
        for (i, s) in sensors ?? header.sensors.enumerated().map({ ($0.offset, $0.element) }) {
            PlmrecRecord.sensor(index: i, s).encode(into: &b0)
        }
        var b1: [UInt8] = []
        for r in records { r.encode(into: &b1) }
        try Data(encodeBlock(sequence: 0, payload: b0) + encodeBlock(sequence: 1, payload: b1)).write(to: url)
    }

    /// 100 frames per sensor (6 samples at 100 Hz each, 6 s in all), device clock = host clock, one anchor each.
    static func ordinaryRecords(sensors: Int = 2) -> [PlmrecRecord] {
        var out: [PlmrecRecord] = []
        for s in 0..<sensors { out.append(.clockAnchor(sensor: s, hostTime: 0, deviceTime: 0, roundTrip: 0)) }
        for k in 0..<100 {
            for s in 0..<sensors {
                let t = UInt64(k * 60_000)
                let f = makeFrame(sensor: s, sequence: UInt32(k), first: 6 * k, timestamp: t)
                if let bytes = SensorFrameCodec.encode(f) {
                    out.append(.frame(sensor: s, hostTime: Int64(t) + 55_000, bytes: bytes))
                }
            }
        }
        return out
    }

    /// Reads a whole .plmrec; returns the frames and the source.
    static func read(_ url: URL) throws -> ([Float], PlmrecFrameSource) {
        var s = try PlmrecFrameSource(url: url)
        let f = try readAll(&s)
        return (f, s)
    }

    @Test("frames of a sensor on no leg (here one the file never describes) are checked and counted like a leg's")
    func framesOfASensorOnNoLegAreCounted() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Sensors 0 and 1 are described (left and right); sensor 2 sends 100 frames but is never described.
        var records = HostileInputTests.ordinaryRecords(sensors: 3)
        // One of sensor 2's frames sent twice, and one with a byte changed (its CRC then fails).
        let frames2 = records.indices.filter { if case .frame(2, _, _) = records[$0] { return true } else { return false } }
        if case .frame(let s, let t, var bytes) = records[frames2[40]] {
            bytes[30] ^= 0x10
            records[frames2[40]] = .frame(sensor: s, hostTime: t, bytes: bytes)
        }
        records.insert(records[frames2[70]], at: frames2[70] + 1)
        let url = dir.appendingPathComponent("third.plmrec")
        try HostileInputTests.plmrec(url, records: records)
        let (_, source) = try HostileInputTests.read(url)
        let q = source.quality
        // 100 frames each of sensors 0 and 1, 99 of sensor 2 (its 100 less the bad one; the repeat is dropped).
        #expect(q.framesOK == 299)
        #expect(q.framesBad == 1)
        #expect(q.framesDuplicate == 1)
        // Every one of sensor 2's 101 frame records is a frame of an undescribed sensor.
        #expect(q.problems.filter { $0.kind == .unknownSensor }.count == 101)
        #expect(q.problems.filter { $0.kind == .badFrame }.count == 1)
        #expect(q.problems.map(\.offset) == q.problems.map(\.offset).sorted())
    }

    @Test("a clock anchor or frame host_time of Int64.min or Int64.max: not used, reported with its offset")
    func extremeHostTimes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for extreme in [Int64.min, Int64.max, Int64.min + 1] {
            var records = HostileInputTests.ordinaryRecords()
            records.insert(.clockAnchor(sensor: 0, hostTime: extreme, deviceTime: 5, roundTrip: 0), at: 2)
            if case .frame(let s, _, let bytes) = records[10] { records[10] = .frame(sensor: s, hostTime: extreme, bytes: bytes) }
            let url = dir.appendingPathComponent("extreme.plmrec")
            try HostileInputTests.plmrec(url, records: records)
            let (frames, source) = try HostileInputTests.read(url)
            // 100 frames of 6 samples at 100 Hz: 6 s, 600 grid frames (give or take the last sample).
            #expect(frames.count / 6 >= 590 && frames.count / 6 <= 601, "\(frames.count / 6)")
            let implausible = source.quality.problems.filter { $0.kind == .implausibleTime }
            #expect(implausible.count == 2, "\(source.quality.problems)")
            #expect(implausible.allSatisfy { $0.offset > 0 })
        }
    }

    @Test("a frame with a valid CRC and a timestamp a year ahead: not used (a finding), the grid is not stretched")
    func frameAYearAhead() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var records = HostileInputTests.ordinaryRecords()
        let year: UInt64 = 365 * 86_400 * 1_000_000
        // Sensor 0's frame 50 (sequence continuing, CRC valid) claims to be a year later.
        let index = records.firstIndex {
            if case .frame(0, let h, _) = $0 { return h == 50 * 60_000 + 55_000 }
            return false
        }
        let i = try #require(index)
        let f = makeFrame(sensor: 0, sequence: 50, first: 300, timestamp: 50 * 60_000 + year)
        records[i] = .frame(sensor: 0, hostTime: 50 * 60_000 + 55_000, bytes: try #require(SensorFrameCodec.encode(f)))
        let url = dir.appendingPathComponent("ahead.plmrec")
        try HostileInputTests.plmrec(url, records: records)
        let (frames, source) = try HostileInputTests.read(url)
        #expect(frames.count / 6 <= 601, "the grid reached \(frames.count / 6) frames")
        #expect(source.readingFindings.count == 1)
        #expect(source.readingFindings.first?.contains("frame 50") == true, "\(source.readingFindings)")
        #expect(source.readingFindings.first?.hasPrefix("byte ") == true)
        // Its six samples are missing on the left leg; the right leg is whole.
        let leftMissing = stride(from: 0, to: frames.count, by: 6).filter { frames[$0].isNaN }.count
        let rightMissing = stride(from: 3, to: frames.count, by: 6).filter { frames[$0].isNaN }.count
        #expect(leftMissing >= 6 && leftMissing <= 8, "\(leftMissing)")
        #expect(rightMissing <= 1)
    }

    @Test("two sensor records with index 0: an error naming the second one's byte offset")
    func sensorDescribedTwice() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let h = testHeader()
        let url = dir.appendingPathComponent("twice.plmrec")
        try HostileInputTests.plmrec(url, sensors: [(0, h.sensors[0]), (0, h.sensors[1])], records: HostileInputTests.ordinaryRecords(sensors: 1))
        #expect {
            _ = try PlmrecFrameSource(url: url)
        } throws: { e in
            guard let e = e as? InputError else { return false }
            return e.file == url.path && e.location?.description.hasPrefix("byte ") == true && e.message.contains("sensor 0 is described a second time")
        }
    }

    @Test("a sensor rate beyond the limits (1 Hz, 65535 Hz) is an error, not a grid of that rate")
    func plmrecRate() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for rate: UInt16 in [1, 65535] {
            let s = PlmrecSensor(serialNumber: "A", side: .left, sampleRate: rate, rangeG: 4)
            let url = dir.appendingPathComponent("rate\(rate).plmrec")
            try HostileInputTests.plmrec(url, sensors: [(0, s)], records: HostileInputTests.ordinaryRecords(sensors: 1))
            #expect(throws: InputError.self) { _ = try PlmrecFrameSource(url: url) }
        }
    }

    // MARK: EDF / EDF+

    /// An EDF(+) file built byte by byte (independently of EDFWriter): one leg's x, y, z (`n` samples per record,
    /// digital = physical in mg over ±8000) and, for EDF+, an annotation signal whose time-keeping TAL is
    /// `starts[r]` (a string such as "+1e300").
    static func edf(
        records: Int, duration: String = "1", perRecord n: Int = 50, startDate: String = "05.01.26",
        reserved: String = "EDF+D", starts: [String]? = nil, sample: (Int, Int, Int) -> Int16 = { _, _, _ in 1000 },
        declaredRecords: String? = nil
    ) -> [UInt8] {
        func f(_ s: String, _ w: Int) -> [UInt8] { Array((s + String(repeating: " ", count: w)).utf8.prefix(w)) }
        let annotations = starts != nil
        let ns = annotations ? 4 : 3
        let labels = ["ACC L X", "ACC L Y", "ACC L Z"] + (annotations ? ["EDF Annotations"] : [])
        var h = f("0", 8) + f("X X X X", 80) + f("Startdate X X X X", 80) + f(startDate, 8) + f("22.00.00", 8)
        h += f("\(256 * (ns + 1))", 8) + f(annotations ? reserved : "", 44)
        h += f(declaredRecords ?? "\(records)", 8) + f(duration, 8) + f("\(ns)", 4)
        for l in labels { h += f(l, 16) }
        for _ in labels { h += f("", 80) }
        for l in labels { h += f(l == "EDF Annotations" ? "" : "mg", 8) }
        for l in labels { h += f(l == "EDF Annotations" ? "-1" : "-8000", 8) }
        for l in labels { h += f(l == "EDF Annotations" ? "1" : "8000", 8) }
        for l in labels { h += f(l == "EDF Annotations" ? "-32768" : "-8000", 8) }
        for l in labels { h += f(l == "EDF Annotations" ? "32767" : "8000", 8) }
        for _ in labels { h += f("", 80) }
        for l in labels { h += f(l == "EDF Annotations" ? "30" : "\(n)", 8) }
        for _ in labels { h += f("", 32) }
        for r in 0..<records {
            for axis in 0..<3 {
                for k in 0..<n {
                    let v = UInt16(bitPattern: sample(r, axis, k))
                    h += [UInt8(v & 0xFF), UInt8(v >> 8)]
                }
            }
            if let starts {
                var tal = Array("\(starts[r])\u{14}\u{14}\0".utf8)
                tal += [UInt8](repeating: 0, count: 60 - tal.count)
                h += tal
            }
        }
        return h
    }

    static func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    @Test("EDF+D time-keeping TALs of +1e300 and +31536000 s: the recording ends before them, a finding with the offset")
    func edfTALFarAhead() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for far in ["+1e300", "+31536000", "+172801"] {
            let url = try HostileInputTests.write(
                HostileInputTests.edf(records: 4, starts: ["+0", "+1", far, "+3"]), "far.edf", in: dir)
            var s = try EDFAccelerationSource(url: url)
            let frames = try readAll(&s)
            // Records 0 and 1 (2 s at 50 Hz) are read; record 2 ends the recording.
            #expect(frames.count == 100 * 6, "\(far): \(frames.count / 6) frames")
            #expect(s.readingFindings.count == 1)
            let headerBytes = 256 * 5
            let recordBytes = 3 * 50 * 2 + 60
            let talOffset = headerBytes + 2 * recordBytes + 300
            #expect(s.readingFindings.first?.hasPrefix("byte \(talOffset): data record 2") == true, "\(s.readingFindings)")
        }
    }

    @Test("EDF+D: a gap within the limits is missing samples; one beyond 12 h ends the recording")
    func edfGaps() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let within = try HostileInputTests.write(
            HostileInputTests.edf(records: 3, starts: ["+0", "+1", "+3600"]), "within.edf", in: dir)
        var s = try EDFAccelerationSource(url: within)
        let frames = try readAll(&s)
        // 2 s of data, a gap from 2 s to 3600 s, 1 s of data: 3601 s at 50 Hz.
        #expect(frames.count == 3601 * 50 * 6)
        #expect(frames[6 * 100].isNaN && frames[6 * (3600 * 50 - 1)].isNaN && !frames[6 * 3600 * 50].isNaN)
        #expect(s.readingFindings.isEmpty)
        let beyond = try HostileInputTests.write(
            HostileInputTests.edf(records: 3, starts: ["+0", "+1", "+50000"]), "beyond.edf", in: dir)
        var b = try EDFAccelerationSource(url: beyond)
        #expect(try readAll(&b).count == 100 * 6)
        #expect(b.readingFindings.first?.contains("more than 12 h without data") == true, "\(b.readingFindings)")
    }

    @Test("EDF+D records whose TAL goes backwards: an error naming the record's byte offset, not dropped silently")
    func edfBackwards() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try HostileInputTests.write(
            HostileInputTests.edf(records: 4, starts: ["+0", "+100", "+1", "+2"]), "back.edf", in: dir)
        #expect {
            _ = try EDFAccelerationSource(url: url)
        } throws: { e in
            guard let e = e as? EDFError else { return false }
            return e.file == url.path && e.offset == 256 * 5 + 2 * 360 + 300
                && e.message.contains("data record 2 starts at 1.0 s, before the previous record ends (101.0 s)")
        }
    }

    @Test("EDF record durations of 1e-9 and 1e9 s: an error naming the duration field, no giant allocation")
    func edfDurations() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for d in ["1e-9", "1e9", "0.000001", "100000"] {
            let url = try HostileInputTests.write(HostileInputTests.edf(records: 2, duration: d), "d.edf", in: dir)
            #expect {
                _ = try EDFAccelerationSource(url: url)
            } throws: { e in
                guard let e = e as? EDFError else { return false }
                return e.offset == 244 && e.message.contains("outside 25–4096 Hz")
            }
        }
    }

    @Test("a continuous EDF longer than 48 h ends at 48 h with a finding")
    func edfTooLong() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 3 records of 20 h (25 Hz): the third would end at 60 h.
        let url = try HostileInputTests.write(
            HostileInputTests.edf(records: 3, duration: "72000", perRecord: 1_800_000), "long.edf", in: dir)
        let s = try EDFAccelerationSource(url: url)
        #expect(s.readingFindings.first?.contains("data record 2 starts at 2 × 72000.0 s") == true, "\(s.readingFindings)")
    }

    @Test("impossible EDF start dates and times are refused (byte 168 / 176)")
    func edfDates() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for date in ["31.02.26", "99.99.99", "00.01.26", "29.02.25", "5.1.2026", "aa.bb.cc"] {
            let url = try HostileInputTests.write(HostileInputTests.edf(records: 1, startDate: date), "date.edf", in: dir)
            #expect {
                _ = try EDFAccelerationSource(url: url)
            } throws: { e in (e as? EDFError)?.offset == 168 }
        }
        // 29 February of a leap year is a date.
        let leap = try HostileInputTests.write(HostileInputTests.edf(records: 1, startDate: "29.02.24"), "leap.edf", in: dir)
        _ = try EDFAccelerationSource(url: leap)
        #expect(EDFHeader.timeComponents("24.00.00") == nil)
        #expect(EDFHeader.timeComponents("23.59.59")! == (23, 59, 59))
    }

    @Test("EDF samples beyond the declared digital range are read as missing and counted")
    func edfOutOfRange() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Digital range ±8000: record 1, axis 0, samples 0..9 are 30000.
        let url = try HostileInputTests.write(
            HostileInputTests.edf(records: 2, sample: { r, a, k in r == 1 && a == 0 && k < 10 ? 30000 : 1000 }),
            "range.edf", in: dir)
        var s = try EDFAccelerationSource(url: url)
        let frames = try readAll(&s)
        #expect(s.samplesExcluded == 10)
        #expect(frames[6 * 50].isNaN && frames[6 * 59].isNaN && frames[6 * 60] == 1)
        #expect(frames.allSatisfy { $0.isNaN || $0 == 1 })
        #expect(s.readingFindings.first?.hasPrefix("byte \(256 * 4 + 300):") == true, "\(s.readingFindings)")
    }

    @Test("an EDF header whose record count × size overflows: a truncation error, no trap")
    func edfCountOverflow() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = HostileInputTests.edf(records: 1, perRecord: 50, declaredRecords: "99999999")
        // Samples per record of the three signals: 99999999 each.
        let samplesAt = 256 + 3 * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80)
        for i in 0..<3 { bytes.replaceSubrange((samplesAt + 8 * i)..<(samplesAt + 8 * i + 8), with: Array("99999999".utf8)) }
        let url = try HostileInputTests.write(bytes, "overflow.edf", in: dir)
        #expect {
            _ = try EDFAccelerationSource(url: url)
        } throws: { e in (e as? EDFError)?.message.contains("file is truncated") == true }
    }

    @Test("hexadecimal, inf and nan in EDF number fields and TAL onsets are refused")
    func edfNumbers() throws {
        for text in ["0x10", "inf", "nan", "1,5", " 1", "1e", "--1", "+-1", ".", "e5"] { #expect(PlainDecimal.parse(text) == nil, "\(text)") }
        for (text, v) in [("1", 1.0), ("-12.5", -12.5), ("+3", 3), (".25", 0.25), ("1e-3", 0.001), ("5.", 5), ("1E+2", 100)] {
            #expect(PlainDecimal.parse(text) == v)
        }
        #expect(PlainDecimal.parse("1e400") == nil)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try HostileInputTests.write(
            HostileInputTests.edf(records: 2, starts: ["+0", "+0x10"]), "hex.edf", in: dir)
        #expect(throws: EDFError.self) { _ = try EDFAccelerationSource(url: url) }
    }

    // MARK: CSV

    static func csv(_ rows: [String], header: String = "time,left_x,left_y,left_z") -> String {
        ([header] + rows).joined(separator: "\n") + "\n"
    }

    static func ordinaryRows(_ n: Int, from start: Int = 0) -> [String] {
        (start..<(start + n)).map { "\(Double($0) / 100),0,0,1" }
    }

    @Test("a CSV whose time jumps by 1e8 s or past 48 h: the recording ends before that line (a finding)")
    func csvTimeJump() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = [
            ("100000000", "line 3002: the time is 100000000.0 s after the first row's, past the longest recording read (48 h)"),
            ("43230", "line 3002: the time jumps 43200.01 s ahead (more than 12 h without data)"),
        ]
        for (jump, finding) in cases {
            // Rows after the jump go back in time: they are never read, so they cause no error.
            let rows = HostileInputTests.ordinaryRows(3000) + ["\(jump),0,0,1"] + HostileInputTests.ordinaryRows(10, from: 3001)
            let url = try HostileInputTests.write(Array(HostileInputTests.csv(rows).utf8), "jump.csv", in: dir)
            var s = try CSVAccelerationSource(url: url)
            let frames = try readAll(&s)
            #expect(frames.count == 3000 * 6)
            #expect(s.readingFindings == [finding + "; the recording ends before it"])
        }
        // Within the probe rows too (the rate is inferred from the rows before the jump).
        let early = HostileInputTests.ordinaryRows(50) + ["1e8,0,0,1"] + HostileInputTests.ordinaryRows(5, from: 51)
        let url = try HostileInputTests.write(Array(HostileInputTests.csv(early).utf8), "early.csv", in: dir)
        var s = try CSVAccelerationSource(url: url)
        #expect(s.description.sampleRate == 100)
        #expect(try readAll(&s).count == 50 * 6)
        #expect(s.readingFindings.first?.hasPrefix("line 52:") == true)
        // Steps of 11 h each add up past 48 h: the fifth row ends it.
        let hops = (0..<6).map { "\(Double($0) * 39600),0,0,1" }
        let many = HostileInputTests.ordinaryRows(10) + hops.dropFirst().map { r in
            let t = Double(r.split(separator: ",")[0])! + 0.1
            return "\(t),0,0,1"
        }
        let hopURL = try HostileInputTests.write(Array(HostileInputTests.csv(many).utf8), "hops.csv", in: dir)
        var h = try CSVAccelerationSource(url: hopURL)
        _ = try readAll(&h)
        #expect(h.readingFindings.first?.contains("past the longest recording read (48 h)") == true, "\(h.readingFindings)")
    }

    @Test("CSV values of 1e39 or beyond 50 g are read as missing and counted, never infinite")
    func csvImpossibleValues() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rows = HostileInputTests.ordinaryRows(100)
        rows[10] = "0.1,1e39,0,1"
        rows[20] = "0.2,0,-51,1"
        rows[30] = "0.3,0,0,49.5"
        let url = try HostileInputTests.write(Array(HostileInputTests.csv(rows).utf8), "big.csv", in: dir)
        var s = try CSVAccelerationSource(url: url)
        let frames = try readAll(&s)
        #expect(frames.allSatisfy { $0.isNaN || $0.isFinite })
        #expect(frames[6 * 10].isNaN && frames[6 * 20 + 1].isNaN && frames[6 * 30 + 2] == 49.5)
        #expect(s.samplesExcluded == 2)
        #expect(s.readingFindings == ["line 12: left_x = 1e39 g is beyond the 50 g any leg can reach; such values are read as missing"])
    }

    @Test("CSV hex numbers, decimal commas and ragged rows are errors naming the line")
    func csvMalformed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String, String)] = [
            ("0.05,0x10,0,1", "line 7", "expected a number in g for left_x, found '0x10'"),
            ("0x10,0,0,1", "line 7", "expected a time in seconds, found '0x10'"),
            ("0.05,0,5,0,1", "line 7", "expected 4 fields like the header row, found 5 (a decimal comma"),
            ("0.05,\"0,5\",0,1", "line 7", "expected a number in g for left_x, found '0,5'"),
            ("0.05,0,0,1,", "line 7", "expected 4 fields like the header row, found 5"),
            ("0.05,0,0", "line 7", "expected 4 fields like the header row, found 3"),
            ("0.05,inf,0,1", "line 7", "found 'inf'"),
            ("0.05,nan(0x1),0,1", "line 7", "found 'nan(0x1)'"),
        ]
        for (i, (bad, location, message)) in cases.enumerated() {
            var rows = HostileInputTests.ordinaryRows(40)
            rows[5] = bad
            let url = try HostileInputTests.write(Array(HostileInputTests.csv(rows).utf8), "bad\(i).csv", in: dir)
            #expect {
                var s = try CSVAccelerationSource(url: url, probeRows: 20)
                _ = try readAll(&s)
            } throws: { e in
                guard let e = e as? InputError else { return false }
                return e.file == url.path && e.location?.description == location && e.message.contains(message)
            }
        }
    }

    @Test("CSV time steps that imply a rate beyond 25–4096 Hz are an error")
    func csvRate() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for step in [1e-6, 1.0] {
            let rows = (0..<50).map { "\(Double($0) * step),0,0,1" }
            let url = try HostileInputTests.write(Array(HostileInputTests.csv(rows).utf8), "rate.csv", in: dir)
            #expect(throws: InputError.self) { _ = try CSVAccelerationSource(url: url) }
        }
    }

    // MARK: files that are not regular files, gzip

    @Test("a folder or a FIFO given as a recording: a clear error, and a FIFO never blocks")
    func notRegularFiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("night.plmrec")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let folder = dir.appendingPathComponent("night.csv")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (url, what) in [(fifo, "FIFO"), (folder, "folder")] {
            let openers: [(URL) throws -> Void] = [
                { _ = try PlmrecFrameSource(url: $0) }, { _ = try CSVAccelerationSource(url: $0) },
                { _ = try EDFAccelerationSource(url: $0) }, { _ = try Gzip.inflate($0) },
            ]
            for open in openers {
                do {
                    try open(url)
                    Issue.record("\(url.path) was opened")
                } catch {
                    let text = "\(error)"
                    #expect(text.hasPrefix(url.path) && text.contains(what), "\(text)")
                    #expect(!text.contains("NSCocoaErrorDomain"))
                }
            }
        }
    }

    /// Gzip-compresses `bytes` with the system's zlib.
    static func gzip(_ bytes: [UInt8], to url: URL) throws {
        let f = try #require(gzopen(url.path, "wb"))
        _ = bytes.withUnsafeBytes { gzwrite(f, $0.baseAddress, UInt32($0.count)) }
        gzclose(f)
    }

    /// Paths under the temp directory whose name contains `marker`.
    static func leftovers(_ marker: String) -> [String] {
        let tmp = FileManager.default.temporaryDirectory
        let all = FileManager.default.enumerator(atPath: tmp.path)?.allObjects as? [String] ?? []
        return all.filter { $0.contains(marker) }
    }

    @Test("a truncated or corrupt .gz: refused, the error names the user's file, nothing left in the temp folder")
    func gzipFailures() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = "gz\(UUID().uuidString.prefix(8))"
        let plain = dir.appendingPathComponent("\(marker).csv")
        var text = HostileInputTests.csv(HostileInputTests.ordinaryRows(20000))
        text += ""
        let good = dir.appendingPathComponent("\(marker)-good.csv.gz")
        try HostileInputTests.gzip(Array(text.utf8), to: good)
        let whole = try Data(contentsOf: good)
        #expect(whole.count > 1000)
        // Truncated: the first half of the compressed bytes.
        let truncated = dir.appendingPathComponent("\(marker)-cut.csv.gz")
        try whole.prefix(whole.count / 2).write(to: truncated)
        // Corrupt: a byte in the deflate data flipped.
        var bytes = [UInt8](whole)
        bytes[bytes.count / 2] ^= 0xFF
        let corrupt = dir.appendingPathComponent("\(marker)-bad.csv.gz")
        try Data(bytes).write(to: corrupt)
        // Not gzip at all.
        try Data(text.utf8).write(to: plain)
        let notGzip = dir.appendingPathComponent("\(marker)-plain.csv.gz")
        try FileManager.default.moveItem(at: plain, to: notGzip)
        for (url, message) in [(truncated, "ends early"), (corrupt, "corrupt gzip data"), (notGzip, "not gzip")] {
            #expect {
                _ = try Gzip.inflate(url)
            } throws: { e in
                guard let e = e as? InputError else { return false }
                return e.file == url.path && e.message.contains(message)
            }
        }
        #expect(HostileInputTests.leftovers(marker).filter { !$0.hasPrefix(dir.lastPathComponent) }.isEmpty)
        // The whole file inflates.
        let out = try Gzip.inflate(good)
        #expect(try Data(contentsOf: out) == Data(text.utf8))
        try FileManager.default.removeItem(at: out.deletingLastPathComponent())
    }
}
