import AccelerationSignal
import Foundation
import LegMovementScoring
import PLMVocabulary
import RecordingFormats
import TestSupport
import Testing

/// Files written per the published layouts (docs/recording-format.md, section 6) and read back.
@Suite("Research device files (.gt3x, .cwa, GENEActiv .bin)")
struct DeviceFormatTests {
    // MARK: .cwa

    /// A 512-byte AX3 block, unpacked Int16 samples (units of 1/256 g), 100 Hz, checksum set.
    static func cwaBlock(sequence: Int, second: Int, samples: [(Int16, Int16, Int16)]) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 512)
        func put16(_ v: Int, _ at: Int) { b[at] = UInt8(v & 0xFF); b[at + 1] = UInt8((v >> 8) & 0xFF) }
        func put32(_ v: UInt32, _ at: Int) { for k in 0..<4 { b[at + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) } }
        b[0] = 0x41; b[1] = 0x58
        put16(508, 2)
        put32(UInt32(sequence), 10)
        // 2024-03-10 22:00:ss: year 24, month 3, day 10, hour 22, minute 0
        let stamp = UInt32(24) << 26 | 3 << 22 | 10 << 17 | 22 << 12 | 0 << 6 | UInt32(second)
        put32(stamp, 14)
        b[24] = 0x4A  // 100 Hz, ±8 g
        b[25] = 0x32  // 3 axes, unpacked
        put16(0, 26)  // the time stamp belongs to sample 0
        put16(samples.count, 28)
        for (i, s) in samples.enumerated() {
            put16(Int(UInt16(bitPattern: s.0)), 30 + i * 6)
            put16(Int(UInt16(bitPattern: s.1)), 32 + i * 6)
            put16(Int(UInt16(bitPattern: s.2)), 34 + i * 6)
        }
        var sum = 0
        for i in stride(from: 0, to: 510, by: 2) { sum += Int(b[i]) | Int(b[i + 1]) << 8 }
        put16((0x10000 - (sum & 0xFFFF)) & 0xFFFF, 510)
        return b
    }

    static func cwaFile(blocks: [[UInt8]]) -> [UInt8] {
        var h = [UInt8](repeating: 0xFF, count: 1024)
        h[0] = 0x4D; h[1] = 0x44; h[2] = 0xFC; h[3] = 0x03
        h[4] = 0x17  // AX3
        h[36] = 0x4A  // 100 Hz
        return h + blocks.joined()
    }

    @Test("cwa: unpacked samples in g at the block's time; a corrupt block is skipped with its byte offset")
    func cwa() throws {
        let samples = (0..<80).map { i in (Int16(i), Int16(-i), Int16(256)) }
        var blocks = (0..<3).map { k in DeviceFormatTests.cwaBlock(sequence: k, second: 0, samples: samples) }
        // Blocks k start at 0.8 k s: 80 samples at 100 Hz. Seconds in the stamp only; sample index 0 — so write
        // block times 0, 0.8, 1.6 s through the index field: index −80 k → start = stamp + 0.8 k.
        for k in 0..<3 {
            let shift = -80 * k
            blocks[k][26] = UInt8(UInt16(bitPattern: Int16(shift)) & 0xFF)
            blocks[k][27] = UInt8(UInt16(bitPattern: Int16(shift)) >> 8)
            var sum = 0
            blocks[k][510] = 0; blocks[k][511] = 0
            for i in stride(from: 0, to: 510, by: 2) { sum += Int(blocks[k][i]) | Int(blocks[k][i + 1]) << 8 }
            let c = (0x10000 - (sum & 0xFFFF)) & 0xFFFF
            blocks[k][510] = UInt8(c & 0xFF); blocks[k][511] = UInt8(c >> 8)
        }
        var d = try CWADecoder(path: "t.cwa", bytes: DeviceFormatTests.cwaFile(blocks: blocks))
        #expect(d.info.sampleRate == 100)
        #expect(d.info.rangeG == 8)
        let first = try #require(try d.nextBlock())
        #expect(first.count == 80)
        #expect(first.xyz[3] == 1 / 256 && first.xyz[4] == -1 / 256 && first.xyz[5] == 1)
        let expectedStart = Int64(CivilCalendarDays.unix(2024, 3, 10)) * 86_400_000_000 + 22 * 3_600_000_000
        #expect(first.start == expectedStart)
        let second = try #require(try d.nextBlock())
        #expect(second.start == expectedStart + 800_000)

        // One flipped byte: that block skipped, named by its byte offset (1024 + 512).
        blocks[1][100] ^= 0xFF
        var damaged = try CWADecoder(path: "t.cwa", bytes: DeviceFormatTests.cwaFile(blocks: blocks))
        var n = 0
        while try damaged.nextBlock() != nil { n += 1 }
        #expect(n == 2)
        #expect(damaged.findings.count == 1)
        #expect(damaged.findings.first?.hasPrefix("byte 1536: block 1 fails its checksum") == true)

        // Frames: 2.4 s of samples at 100 Hz on the left leg, the gap of the skipped block missing.
        var source = try DeviceFrameSource(decoder: try CWADecoder(path: "t.cwa", bytes: DeviceFormatTests.cwaFile(blocks: blocks)), path: "t.cwa")
        let frames = try readAll(&source)
        #expect(frames.count / 6 == 240)
        #expect(frames[6 * 100].isNaN && frames[6 * 100 + 3].isNaN)  // block 1 (0.8–1.6 s) missing
        #expect(frames[6 * 170 + 2] == 1)
        #expect(source.readingFindings.contains { $0.contains("no samples") })
    }

    @Test("cwa: wrong magic and a truncated header are errors naming the byte")
    func cwaBad() {
        #expect(throws: InputError.self) { try CWADecoder(path: "x.cwa", bytes: Array("PK".utf8) + [UInt8](repeating: 0, count: 100)) }
        #expect(throws: InputError.self) { try CWADecoder(path: "x.cwa", bytes: Array(DeviceFormatTests.cwaFile(blocks: []).prefix(600))) }
    }

    // MARK: GENEActiv

    static func geneactiv(pages: Int, truncateLast: Bool = false) -> [UInt8] {
        var s = "Device Identity\r\nDevice Unique Serial Code:012345\r\n\r\nConfiguration Info\r\nMeasurement Frequency:100 Hz\r\nTime Zone:GMT +01:00\r\n\r\nCalibration Data\r\nx gain:25600\r\nx offset:0\r\ny gain:25600\r\ny offset:100\r\nz gain:12800\r\nz offset:0\r\nVolts:300\r\nLux:800\r\n\r\nMemory Status\r\nNumber of Pages:\(pages)\r\n\r\n"
        for p in 0..<pages {
            s += "Recorded Data\r\nDevice Unique Serial Code:012345\r\nSequence Number:\(p)\r\nPage Time:2024-03-10 22:00:0\(3 * p):000\r\nUnassigned:\r\nTemperature:25.0\r\nBattery voltage:4.0\r\nDevice Status:Recording\r\nMeasurement Frequency:100.0\r\n"
            // x = 256 (0x100), y = -1 (0xFFF), z = 128 (0x080), light/button 000
            var hex = String(repeating: "100FFF080000", count: 300)
            if truncateLast && p == pages - 1 { hex = String(hex.prefix(1000)) }
            s += hex + (truncateLast && p == pages - 1 ? "" : "\r\n")
        }
        return Array(s.utf8)
    }

    @Test("GENEActiv: hex samples through the header's calibration; a page cut short ends the reading with a finding")
    func geneactiv() throws {
        var d = try GENEActivDecoder(path: "g.bin", bytes: DeviceFormatTests.geneactiv(pages: 2))
        #expect(d.info.sampleRate == 100 && d.info.utcOffsetSeconds == 3600 && d.info.serial == "012345")
        let page = try #require(try d.nextBlock())
        #expect(page.count == 300)
        // (256·100 − 0)/25600 = 1; (−1·100 − 100)/25600; (128·100)/12800 = 1
        #expect(page.xyz[0] == 1 && page.xyz[1] == Float(-200.0 / 25600) && page.xyz[2] == 1)
        #expect(page.start == Int64(CivilCalendarDays.unix(2024, 3, 10)) * 86_400_000_000 + 22 * 3_600_000_000)
        #expect(try d.nextBlock()?.start == page.start + 3_000_000)
        #expect(try d.nextBlock() == nil)

        var cut = try GENEActivDecoder(path: "g.bin", bytes: DeviceFormatTests.geneactiv(pages: 3, truncateLast: true))
        var n = 0
        while try cut.nextBlock() != nil { n += 1 }
        #expect(n == 2)
        #expect(cut.findings.count == 1 && cut.findings[0].contains("stops inside page 2"))
    }

    // MARK: epoch counts, RecordingFile

    @Test("epoch-count exports are refused as activity counts; a folder's diary is not a recording")
    func refusals() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let counts = dir.appendingPathComponent("counts.csv")
        try Data("------------ Data File Created By ActiGraph GT3X+ ActiLife v6 date format M/d/yyyy at 30 Hz  Filter Normal -----------\nSerial Number: X\nStart Time 10:00:00\nStart Date 1/1/2024\nEpoch Period (hh:mm:ss) 00:01:00\n".utf8).write(to: counts)
        #expect(throws: InputError.self) { try RecordingFile.open(counts) }
        do { _ = try RecordingFile.open(counts) } catch { #expect("\(error)".contains("activity counts")) }
        let diary = dir.appendingPathComponent("diary.csv")
        try Data("date,bed_time\n2024-01-01,23:00\n".utf8).write(to: diary)
        #expect(RecordingFile.notARecording(diary) != nil)
        #expect(RecordingFile.notARecording(counts) != nil)
        // Other devices' count exports (first lines of Actical's and of Actiware's Dutch export, byte order mark and
        // all, as GGIRread's test files have them); a plm CSV with a byte order mark stays a recording.
        for (name, first, what) in [
            ("actical.csv", "Actical List Export File  (Version 03.00),,,,,,,,,", "an Actical CSV export"),
            ("actiwatch.csv", "\u{FEFF}Actiware-exportbestand (versie 05.00),,,,", "an Actiware (Actiwatch) CSV export"),
        ] {
            let url = dir.appendingPathComponent(name)
            try Data((first + "\r\nFilename:,,,,,,,,,\r\n").utf8).write(to: url)
            #expect(RecordingFile.notARecording(url) == "activity counts (epochs), not raw acceleration", "\(name)")
            let message = errorText { _ = try RecordingFile.open(url) }
            #expect(message.contains("\(what) file holds activity counts per epoch"), "\(message)")
            #expect(message.contains("the device records no raw acceleration"), "\(message)")
        }
        let marked = dir.appendingPathComponent("marked.csv")
        try Data(([0xEF, 0xBB, 0xBF] as [UInt8]) + Array("time,left_x,left_y,left_z,right_x,right_y,right_z\n0,0,0,1,0,0,1\n0.01,0,0,1,0,0,1\n".utf8)).write(to: marked)
        #expect(RecordingFile.notARecording(marked) == nil)
        #expect(try RecordingFile.open(marked).format == "csv")
        let agd = dir.appendingPathComponent("x.agd")
        try Data("SQLite format 3\0".utf8).write(to: agd)
        do { _ = try RecordingFile.open(agd) } catch { #expect("\(error)".contains("activity counts")) }
    }
}

/// Days since 1970-01-01 of a date (proleptic Gregorian), derived independently of the readers.
enum CivilCalendarDays {
    static func unix(_ y: Int, _ m: Int, _ d: Int) -> Int {
        var c = DateComponents()
        c.year = y; c.month = m; c.day = d
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? .current
        return Int((cal.date(from: c)?.timeIntervalSince1970 ?? 0) / 86400)
    }
}
