import AccelerationSignal
import Foundation
import LegMovementScoring
import PLMVocabulary
import RecordingFormats
import TestSupport
import Testing

/// µs since 1970-01-01 of a civil date and time (UTC arithmetic through Foundation's calendar, not the readers').
func civilMicros(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Int64 {
    Int64(CivilCalendarDays.unix(y, m, d)) * 86_400_000_000 + Int64(h * 3600 + mi * 60 + s) * 1_000_000
}

/// Every frame of a device file's source, with its findings.
func deviceFrames<D: DeviceDecoder>(_ d: D, leg: Leg? = nil) throws -> (frames: [Float], source: DeviceFrameSource<D>) {
    var s = try DeviceFrameSource(decoder: d, path: "test", leg: leg)
    let f = try readAll(&s)
    return (f, s)
}

/// The error a throwing call gives, as text ("" when it does not throw).
func errorText(_ body: () throws -> Void) -> String {
    do { try body() } catch { return "\(error)" }
    return ""
}

@Suite("ActiGraph .gt3x written per the published layout")
struct GT3XLayoutTests {
    typealias W = DeviceFiles
    /// 2024-03-10 22:00:00 on the device's clock.
    static let t0 = civilMicros(2024, 3, 10, 22, 0, 0)
    static let rate = 30
    static let scale = 256.0

    /// Sample `i` of the night, counts (distinct per axis, negative values included).
    static func counts(_ i: Int) -> (Int, Int, Int) { ((i * 37) % 1500 - 700, 256 - i % 50, -(i % 300) - 20) }

    static func info(rate: String = "30", extra: [(String, String)] = []) -> [UInt8] {
        W.infoTxt(
            [
                ("Serial Number", "MOS2E11180137"), ("Device Type", "wGT3XBT"), ("Firmware", "1.9.2"),
                ("Sample Rate", rate), ("Start Date", "\(W.ticks(unixMicroseconds: t0))"), ("TimeZone", "-05:00:00"),
                ("Acceleration Scale", "256.0"), ("Acceleration Min", "-8.0"), ("Acceleration Max", "8.0"),
            ] + extra)
    }

    struct Night {
        var bytes: [UInt8]
        var badRecordOffset: Int
        var tornRecordOffset: Int
    }

    /// Seconds 0 (ACTIVITY2), 1 (ACTIVITY, 12-bit), idle sleep from 2 to 5 (EVENT 08 … 09, no records), 5, a
    /// record failing its checksum at 6, 7, a USB event (one-byte ACTIVITY2), and a last record cut off at 8.
    static func night(deflate: Bool = false, side: String? = "Right") -> Night {
        let s = UInt32(t0 / 1_000_000)
        func second(_ k: Int) -> [(Int, Int, Int)] { (0..<rate).map { counts(k * rate + $0) } }
        var log = W.logRecord(type: 0x06, time: s, payload: Array("{\"MetadataType\":\"Bio\"}".utf8))
        log += W.logRecord(type: 0x1A, time: s, payload: W.activity2(second(0)))
        log += W.logRecord(type: 0x00, time: s + 1, payload: W.pack12(second(1)))
        log += W.logRecord(type: 0x03, time: s + 2, payload: [0x08])
        log += W.logRecord(type: 0x02, time: s + 3, payload: W.le16(4100))  // battery
        log += W.logRecord(type: 0x03, time: s + 5, payload: [0x09])
        log += W.logRecord(type: 0x1A, time: s + 5, payload: W.activity2(second(5)))
        let bad = log.count
        log += W.logRecord(type: 0x1A, time: s + 6, payload: W.activity2(second(6)), badChecksum: true)
        log += W.logRecord(type: 0x1A, time: s + 7, payload: W.activity2(second(7)))
        log += W.logRecord(type: 0x1A, time: s + 7, payload: [0x01])  // USB connection event, not samples
        let torn = log.count
        log += Array(W.logRecord(type: 0x1A, time: s + 8, payload: W.activity2(second(8))).prefix(60))
        let zip = W.zip([
            .init(name: "log.bin", data: log, deflate: deflate),
            .init(name: "info.txt", data: info(extra: side.map { [("Side", $0)] } ?? [])),
        ])
        return Night(bytes: zip, badRecordOffset: bad, tornRecordOffset: torn)
    }

    @Test("log.bin: ACTIVITY2 and 12-bit ACTIVITY samples in g at their seconds; idle sleep a named gap, not a still leg")
    func logBin() throws {
        for deflate in [false, true] {
            let n = GT3XLayoutTests.night(deflate: deflate)
            let d = try GT3XDecoder(path: "n.gt3x", bytes: n.bytes)
            #expect(d.layout == "log.bin")
            #expect(d.info.sampleRate == 30 && d.info.serial == "MOS2E11180137" && d.info.side == .right)
            #expect(d.info.utcOffsetSeconds == -5 * 3600 && d.info.resolutionG == 1 / 256.0 && d.info.rangeG == 8)
            let (frames, source) = try deviceFrames(d)
            #expect(source.startDeviceMicroseconds == GT3XLayoutTests.t0)
            #expect(source.startUnixMicroseconds == GT3XLayoutTests.t0 + 5 * 3_600_000_000)
            #expect(source.description.legs == [.right])
            // Seconds 0 … 7 at 30 Hz; the torn record at 8 is not read.
            #expect(frames.count == 8 * 30 * 6)
            for k in 0..<(8 * 30) {
                let second = k / 30
                let f = Array(frames[(k * 6)..<(k * 6 + 6)])
                #expect(f[0].isNaN && f[1].isNaN && f[2].isNaN, "left leg missing: the device was on the right")
                if [2, 3, 4, 6].contains(second) {
                    #expect(f[3].isNaN && f[4].isNaN && f[5].isNaN, "frame \(k) (second \(second)) must be missing")
                } else {
                    let c = GT3XLayoutTests.counts(k)
                    let want = [Float(c.0) / 256, Float(c.1) / 256, Float(c.2) / 256]
                    #expect(Array(f[3..<6]) == want, "frame \(k)")
                }
            }
            // The idle-sleep span is named; the skipped record's second is a plain gap.
            #expect(source.gaps.count == 2)
            #expect(source.gaps.first?.reason.contains("idle sleep") == true)
            #expect(abs((source.gaps.first?.from ?? 0) - (1 + 29.0 / 30)) < 1e-6 && source.gaps.first?.to == 5)
            #expect(source.gaps.last?.reason.contains("idle sleep") == false)
            let findings = source.readingFindings
            #expect(findings.contains { $0.hasPrefix("log.bin byte \(n.badRecordOffset): record (type 26, 180 bytes) fails its checksum") })
            #expect(findings.contains { $0.hasPrefix("log.bin byte \(n.tornRecordOffset): the last record") && $0.contains("cut off") })
            #expect(findings.contains { $0.contains("idle sleep mode") && $0.contains("read as missing") })
        }
    }

    @Test("the leg passed in wins over info.txt's Side; without Side the left leg")
    func legs() throws {
        let n = GT3XLayoutTests.night(side: nil)
        let (frames, _) = try deviceFrames(try GT3XDecoder(path: "n.gt3x", bytes: n.bytes))
        #expect(!frames[0].isNaN && frames[3].isNaN)
        let (left, _) = try deviceFrames(try GT3XDecoder(path: "n.gt3x", bytes: GT3XLayoutTests.night().bytes), leg: .left)
        #expect(!left[0].isNaN && left[3].isNaN)
    }

    @Test("legacy activity.bin (GT3X+ firmware ≤ 2.5.0): 12-bit Y X Z run from Start Date; the published example")
    func legacy() throws {
        // NHANES-GT3X-File-Format's example: "00 60 08 EB D0 07 00 9E BF 00 70 08 EB F0" is (Y, X, Z) = (6, 8, −323),
        // (7, 9, −321), (7, 8, −321) at 341 LSB/g (NEO serial, no Acceleration Scale).
        let example: [UInt8] = [0x00, 0x60, 0x08, 0xEB, 0xD0, 0x07, 0x00, 0x9E, 0xBF, 0x00, 0x70, 0x08, 0xEB, 0xF0]
        #expect(DeviceFiles.pack12([(8, 6, -323), (9, 7, -321), (8, 7, -321)]) == example)
        let start = civilMicros(2021, 12, 20, 11, 55, 0)
        // 20 s and 7 samples (an odd count: the last nibble is padding), deflated as ActiLife stores it.
        let samples = (0..<(20 * 30 + 7)).map { i in (((i * 53) % 4000) - 2000, (i % 700) - 350, 341 - i % 9) }
        let info = DeviceFiles.infoTxt([
            ("Serial Number", "NEO1C04110003"), ("Firmware", "2.5.0"), ("Sample Rate", "30"),
            ("Start Date", "\(DeviceFiles.ticks(unixMicroseconds: start))"), ("Stop Date", "0"),
        ])
        for body in [example, DeviceFiles.pack12(samples)] {
            let zip = DeviceFiles.zip([
                .init(name: "info.txt", data: info), .init(name: "activity.bin", data: body, deflate: true),
                .init(name: "lux.bin", data: [0, 0]),
            ])
            var d = try GT3XDecoder(path: "legacy.gt3x", bytes: zip)
            #expect(d.layout == "activity.bin" && d.info.resolutionG == 1 / 341.0)
            var got: [(Int64, Float, Float, Float)] = []
            while let b = try d.nextBlock() {
                for i in 0..<b.count {
                    got.append((b.start + Int64((Double(i) * b.period * 1e6).rounded()), b.xyz[i * 3], b.xyz[i * 3 + 1], b.xyz[i * 3 + 2]))
                }
            }
            let want = body == example ? [(8, 6, -323), (9, 7, -321), (8, 7, -321)] : samples
            #expect(got.count == want.count)
            for (i, w) in want.enumerated() where i < got.count {
                #expect(got[i].0 == start + Int64((Double(i) * 1e6 / 30).rounded()))
                #expect(got[i].1 == Float(w.0) / 341 && got[i].2 == Float(w.1) / 341 && got[i].3 == Float(w.2) / 341, "sample \(i)")
            }
        }
    }

    @Test("hostile .gt3x: wrong magic, absurd rates, a truncated central directory, members claiming 4 or 8 GiB")
    func hostile() throws {
        let good = GT3XLayoutTests.night().bytes
        func message(_ bytes: [UInt8]) -> String { errorText { _ = try GT3XDecoder(path: "h.gt3x", bytes: bytes) } }
        #expect(message(Array("not a zip at all, just text".utf8)).hasPrefix("h.gt3x: byte 0: expected a zip archive"))
        for rate in ["0", "1000000000", "30.5", "nan", "-30"] {
            let zip = DeviceFiles.zip([
                .init(name: "info.txt", data: GT3XLayoutTests.info(rate: rate)), .init(name: "log.bin", data: []),
            ])
            let m = message(zip)
            #expect(m.hasPrefix("h.gt3x: line 4 of info.txt: expected 'Sample Rate: <Hz>'"), "\(rate): \(m)")
        }
        // The end-of-central-directory record cut off, then the directory itself cut.
        let eocd = good.count - 22
        #expect(message(Array(good.prefix(eocd + 10))).contains("expected the zip end of central directory record"))
        var cut = good
        cut.removeSubrange((eocd - 20)..<eocd)  // the directory now overlaps the end record
        let m = message(cut)
        #expect(m.contains("byte") && (m.contains("central directory")), "\(m)")
        // A member claiming 4 GiB (stored, not ZIP64) and one claiming 8 GiB (ZIP64): refused before any allocation.
        for claim: UInt64 in [0xFFFF_FFFE, 8 << 30] {
            let zip = DeviceFiles.zip([
                .init(name: "info.txt", data: GT3XLayoutTests.info()),
                .init(name: "log.bin", data: [1, 2, 3], deflate: true, claimedSize: claim),
            ])
            let m = message(zip)
            #expect(m.hasPrefix("h.gt3x: byte "), "\(m)")
            #expect(m.contains("GiB"), "\(m)")
        }
        // A record holding far more samples than one second at the rate: skipped with its offset.
        let s = UInt32(GT3XLayoutTests.t0 / 1_000_000)
        let huge = (0..<5000).map { _ in (1, 2, 3) }
        var log = DeviceFiles.logRecord(type: 0x1A, time: s, payload: DeviceFiles.activity2(huge))
        log += DeviceFiles.logRecord(type: 0x1A, time: s + 1, payload: DeviceFiles.activity2((0..<30).map { _ in (0, 0, 256) }))
        var d = try GT3XDecoder(
            path: "h.gt3x",
            bytes: DeviceFiles.zip([.init(name: "info.txt", data: GT3XLayoutTests.info()), .init(name: "log.bin", data: log)]))
        let b = try #require(try d.nextBlock())
        #expect(b.count == 30 && b.start == GT3XLayoutTests.t0 + 1_000_000)
        #expect(d.findings.first?.hasPrefix("log.bin byte 0: record (type 26) holds 5000 samples") == true)
    }

    @Test("a bad deflated log.bin: each fault an error naming the byte where the data went wrong and what was expected")
    func badDeflate() throws {
        // info.txt stored, then log.bin deflated (one fixed-Huffman block of literals, DeviceFiles.deflateFixed).
        let info = GT3XLayoutTests.info()
        let data = (0..<300).map { UInt8($0 % 251) }
        func zip(claim: UInt64? = nil) -> [UInt8] {
            W.zip([.init(name: "info.txt", data: info), .init(name: "log.bin", data: data, deflate: true, claimedSize: claim)])
        }
        // APPNOTE 4.3.7: a local header is 30 bytes + the name; log.bin's data follows info.txt's member.
        let logHeader = 30 + 8 + info.count
        let start = logHeader + 30 + 7
        let body = W.deflateFixed(data)
        let good = zip()
        #expect(Array(good[start..<(start + body.count)]) == body)
        // The central directory entry of log.bin (4.3.12): after info.txt's (46 + 8 bytes), at the end record's offset.
        let eocd = good.count - 22
        let directory = Int(good[eocd + 16]) | Int(good[eocd + 17]) << 8 | Int(good[eocd + 18]) << 16 | Int(good[eocd + 19]) << 24
        let logEntry = directory + 46 + 8
        func message(_ bytes: [UInt8]) -> String {
            errorText {
                var d = try GT3XDecoder(path: "h.gt3x", bytes: bytes)
                while try d.nextBlock() != nil {}
            }
        }
        func patch32(_ bytes: [UInt8], at: Int, _ v: UInt32) -> [UInt8] {
            var b = bytes
            b.replaceSubrange(at..<(at + 4), with: W.le32(v))
            return b
        }
        let member = "h.gt3x: byte \(start): zip member 'log.bin': "
        // Declared one byte longer than the stream inflates to.
        let long = data.count + 1
        #expect(message(zip(claim: UInt64(long))) == member + "inflates to \(data.count) bytes, expected \(long)")
        // Declared one byte shorter: the stream runs past it, at a byte inside the stream.
        let short = message(zip(claim: UInt64(data.count - 1)))
        #expect(short.hasPrefix("h.gt3x: byte ") && short.contains("runs past \(data.count - 1) bytes"), "\(short)")
        let shortAt = Int(short.dropFirst("h.gt3x: byte ".count).prefix { $0.isNumber }) ?? -1
        #expect(shortAt > start && shortAt <= start + body.count, "\(short)")
        // The stream cut in half (the compressed size in the central directory halved): it ends early, at its end.
        let half = body.count / 2
        #expect(
            message(patch32(good, at: logEntry + 20, UInt32(half)))
                == "h.gt3x: byte \(start + half): zip member 'log.bin': the deflate data ends early or runs past \(data.count) bytes (a truncated or corrupt archive)")
        // The first block header says BTYPE 11 (reserved, RFC 1951 3.2.3): corrupt at the stream's first byte.
        var reserved = good
        reserved[start] = reserved[start] | 0b110
        let bad = message(reserved)
        #expect(bad.hasPrefix("h.gt3x: byte \(start + 1): zip member 'log.bin': corrupt deflate data"), "\(bad)")
        // The data intact but the central directory's CRC-32 off by one.
        let crc = W.crc32(data)
        #expect(
            message(patch32(good, at: logEntry + 16, crc ^ 1))
                == member + String(format: "CRC-32 %08X, expected %08X (corrupt data)", crc, crc ^ 1))
    }
}

@Suite("Axivity .cwa written per cwa.h")
struct CWALayoutTests {
    typealias W = DeviceFiles

    @Test("packed 3 × 10 bit + exponent samples in 1/256 g; time from the stamp, its fraction and the sample index")
    func packed() throws {
        // 120 samples a block, every exponent and the extremes of the 10-bit range.
        func sample(_ k: Int, _ i: Int) -> (Int, Int, Int, Int) {
            let v = (k * 120 + i) * 7 % 1024 - 512
            return (v, -v - 1, (i % 2 == 0) ? 511 : -512, i % 4)
        }
        // True time of the sample `index` 40 of block k: 22:00:05 + 0.3125 s + k × 120 / 101.5 s (the device
        // runs 1.5 % fast of its nominal 100 Hz).
        let base = civilMicros(2024, 3, 10, 22, 0, 5)
        var blocks: [[UInt8]] = []
        var expectedStart: [Int64] = []
        for k in 0..<3 {
            let at = Double(k * 120 + 40) / 101.5 + 0.3125  // seconds after base of sample 40
            let whole = Int(at.rounded(.down))
            let fraction = Int(((at - Double(whole)) * 32768).rounded(.down)) * 2  // 15 bits stored
            let stamp = W.cwaStamp(year: 2024, month: 3, day: 10, hour: 22, minute: 0, second: 5 + whole)
            blocks.append(W.cwaBlock(sequence: k, stamp: stamp, fraction: fraction, index: 40, samples: .packed((0..<120).map { sample(k, $0) })))
            // cwa.h: the stamp plus fraction is the time of sample `index`; sample 0 is index / rate earlier.
            expectedStart.append(base + Int64(((Double(whole) + Double(fraction) / 65536 - 40.0 / 100) * 1e6).rounded()))
        }
        var d = try CWADecoder(path: "p.cwa", bytes: W.cwaHeader() + blocks.joined())
        #expect(d.info.device == "AX3" && d.info.sampleRate == 100 && d.info.rangeG == 8 && d.info.serial == "4321")
        for k in 0..<3 {
            let b = try #require(try d.nextBlock())
            #expect(b.count == 120)
            #expect(abs(b.start - expectedStart[k]) <= 1, "block \(k): \(b.start) vs \(expectedStart[k])")
            // The period is measured from the next block's time; the last block has none and takes the one before.
            let j = min(k, 1)
            let want = Double(expectedStart[j + 1] - expectedStart[j]) / 1e6 / 120
            #expect(abs(b.period - want) < 1e-7, "block \(k)")
            for i in 0..<120 {
                let s = sample(k, i)
                let want = [s.0, s.1, s.2].map { Float($0 * (1 << s.3)) / 256 }
                #expect(Array(b.xyz[(i * 3)..<(i * 3 + 3)]) == want, "block \(k) sample \(i)")
            }
        }
        #expect(try d.nextBlock() == nil && d.findings.isEmpty)
    }

    @Test("AX6: unpacked gyroscope then accelerometer, accelerometer in 1/2^(8+n) g from the light word")
    func ax6() throws {
        let stamp = W.cwaStamp(year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5)
        let gyro = (0..<40).map { i in (1000 + i, -1000 - i, 77) }
        let accel = (0..<40).map { i in (2048 - i * 50, -i * 13, 2048) }
        let block = W.cwaBlock(
            sequence: 0, stamp: stamp, fraction: nil, index: 0, rateCode: 0x8A, accelScaleExponent: 3,
            samples: .ax6(gyro: gyro, accel: accel))
        var d = try CWADecoder(path: "ax6.cwa", bytes: W.cwaHeader(hardware: 0x64, rateCode: 0x8A) + block)
        #expect(d.info.device == "AX6" && d.info.sampleRate == 100 && d.info.rangeG == 4)
        let b = try #require(try d.nextBlock())
        #expect(b.start == civilMicros(2025, 1, 2, 3, 4, 5))
        var want: [Float] = []
        for a in accel { want += [Float(a.0) / 2048, Float(a.1) / 2048, Float(a.2) / 2048] }
        #expect(b.xyz == want)
    }

    @Test("a block failing its checksum is skipped by byte offset; a torn last block is a finding")
    func damage() throws {
        let stamps = (0..<4).map { W.cwaStamp(year: 2024, month: 3, day: 10, hour: 22, minute: 0, second: $0) }
        // 100 unpacked samples a block, one block a second.
        var blocks = (0..<4).map { k in
            W.cwaBlock(sequence: k, stamp: stamps[k], fraction: nil, index: 0, samples: .unpacked((0..<80).map { (k, $0, 256) }), corruptChecksum: k == 1)
        }
        blocks[3] = Array(blocks[3].prefix(200))
        var d = try CWADecoder(path: "d.cwa", bytes: W.cwaHeader() + blocks.joined())
        var n = 0
        while try d.nextBlock() != nil { n += 1 }
        #expect(n == 2)
        #expect(d.findings.count == 2)
        #expect(d.findings.first?.hasPrefix("byte \(1024 + 512): block 1 fails its checksum") == true)
        #expect(d.findings.last?.hasPrefix("byte \(1024 + 3 * 512): the file ends 200 bytes into a block") == true)
    }

    @Test("hostile .cwa: wrong magic, absurd rates and lengths, more samples than a block holds")
    func hostile() throws {
        func message(_ bytes: [UInt8]) -> String { errorText { _ = try CWADecoder(path: "h.cwa", bytes: bytes) } }
        #expect(message(Array("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 0, count: 2000)).hasPrefix("h.cwa: byte 0: expected an Axivity .cwa header"))
        #expect(message(W.cwaHeader(rateCode: 0x00)).hasPrefix("h.cwa: byte 36: sample rate 0.0976562 Hz is outside"))
        var header = W.cwaHeader()
        header[2] = 0xFF
        header[3] = 0x7F
        #expect(message(header).hasPrefix("h.cwa: byte 2: header packet length"))
        #expect(message(Array(W.cwaHeader().prefix(700))).hasPrefix("h.cwa: byte 700: the file ends inside its 1024-byte header"))
        let stamp = W.cwaStamp(year: 2024, month: 3, day: 10, hour: 22, minute: 0, second: 0)
        let badMonth = W.cwaStamp(year: 2024, month: 13, day: 10, hour: 22, minute: 0, second: 1)
        let blocks = [
            W.cwaBlock(sequence: 0, stamp: stamp, fraction: nil, index: 0, samples: .unpacked([(1, 2, 3)]), countOverride: 500),
            W.cwaBlock(sequence: 1, stamp: badMonth, fraction: nil, index: 0, samples: .unpacked([(1, 2, 3)])),
            W.cwaBlock(sequence: 2, stamp: stamp, fraction: nil, index: 0, rateCode: 0x40, samples: .unpacked([(1, 2, 3)])),
        ]
        var d = try CWADecoder(path: "h.cwa", bytes: W.cwaHeader() + blocks.joined())
        #expect(try d.nextBlock() == nil)
        #expect(d.findings.count == 3)
        #expect(d.findings[0].hasPrefix("byte 1024: block 0 500 samples; at most 80 fit"))
        #expect(d.findings[1].hasPrefix("byte 1536: block 1 time stamp"))
        #expect(d.findings[2].hasPrefix("byte 2048: block 2 rate 0.09765625 Hz"))
        // Nothing readable: the error says so and names the first damage.
        let all = errorText { _ = try DeviceFrameSource(decoder: try CWADecoder(path: "h.cwa", bytes: W.cwaHeader() + blocks.joined()), path: "h.cwa") }
        #expect(all.contains("holds no acceleration samples") && all.contains("byte 1024"), "\(all)")
    }
}

@Suite("GENEActiv .bin written per the published description")
struct GENEActivLayoutTests {
    static func sample(_ i: Int) -> (Int, Int, Int) { ((i * 11) % 4000 - 2000, 256, -(i % 1024)) }
    static func times(_ n: Int) -> [String] { (0..<n).map { String(format: "2024-03-10 22:00:%02d:000", $0 * 3) } }

    @Test("a damaged page is skipped with its byte offset and page number; the pages after it are read")
    func damagedPage() throws {
        let bytes = DeviceFiles.geneactiv(
            pageTimes: GENEActivLayoutTests.times(4), sample: GENEActivLayoutTests.sample,
            damage: [1: String(repeating: "0", count: 1800) + "Z" + String(repeating: "0", count: 1799)])
        let text = String(decoding: bytes, as: UTF8.self)
        let pageOffsets = text.utf8.indices.compactMap { i -> Int? in
            text.utf8[i...].starts(with: "Recorded Data".utf8) ? text.utf8.distance(from: text.utf8.startIndex, to: i) : nil
        }
        #expect(pageOffsets.count == 4)
        let d = try GENEActivDecoder(path: "g.bin", bytes: bytes)
        #expect(d.info.utcOffsetSeconds == -5 * 3600 && d.info.rangeG == 8)
        let (frames, source) = try deviceFrames(d)
        #expect(source.readingFindings.first == "byte \(pageOffsets[1]): page 1 has a character that is not a hex digit; skipped")
        // Pages 0, 2, 3 (3 s each at 100 Hz); page 1's 3 s missing.
        #expect(frames.count == 1200 * 6)
        for k in [0, 299, 600, 1199] {
            let (x, y, z) = GENEActivLayoutTests.sample(k)
            // g = (raw × 100 − offset) / gain, with the writer's gains (25600, 25600, 12800) and offsets (0, 100, 0).
            let gx: Double = (Double(x) * 100 - 0) / 25600
            let gy: Double = (Double(y) * 100 - 100) / 25600
            let gz: Double = (Double(z) * 100 - 0) / 12800
            let want: [Float] = [Float(gx), Float(gy), Float(gz)]
            #expect(Array(frames[(k * 6)..<(k * 6 + 3)]) == want)
        }
        #expect(frames[450 * 6].isNaN)
    }

    @Test("hostile GENEActiv: wrong magic, rates of 0 and 1e9 Hz, a zero gain, an overlong page, a bad page time")
    func hostile() throws {
        func message(_ bytes: [UInt8]) -> String { errorText { _ = try GENEActivDecoder(path: "h.bin", bytes: bytes) } }
        #expect(message(Array("GENEA/xyz\r\n".utf8)).hasPrefix("h.bin: byte 0: expected a GENEActiv .bin"))
        for rate in ["0 Hz", "1000000000 Hz", "fast"] {
            let m = message(DeviceFiles.geneactiv(rate: rate, pageTimes: ["2024-03-10 22:00:00:000"], sample: GENEActivLayoutTests.sample))
            #expect(m.hasPrefix("h.bin: line 7: "), "\(rate): \(m)")
        }
        let zeroGain = message(
            DeviceFiles.geneactiv(gains: (0, 25600, 25600), pageTimes: ["2024-03-10 22:00:00:000"], sample: GENEActivLayoutTests.sample))
        #expect(zeroGain.hasPrefix("h.bin: line 12: 'x gain:0.0' must be positive"), "\(zeroGain)")
        let header = DeviceFiles.geneactiv(pageTimes: [], sample: GENEActivLayoutTests.sample)
        #expect(message(header).hasPrefix("h.bin: byte \(header.count): expected a page"))
        var d = try GENEActivDecoder(
            path: "h.bin",
            bytes: DeviceFiles.geneactiv(
                pageTimes: ["2024-03-10 22:00:00:000", "2024-13-10 22:00:03:000", "2024-03-10 22:00:06:000"],
                sample: GENEActivLayoutTests.sample, damage: [0: String(repeating: "0", count: 4800)]))
        let page = try #require(try d.nextBlock())
        #expect(page.start == civilMicros(2024, 3, 10, 22, 0, 6))
        #expect(d.findings.count == 2)
        #expect(d.findings[0].contains("page 0 has 4800 hex digits; expected 3600"))
        #expect(d.findings[1].contains("page 1 has no readable 'Page Time'"))
    }
}

@Suite("ActiLife raw CSV exports written as ActiLife writes them")
struct ActiLifeCSVTests {
    /// Row `i` in whole milli-g, so the three decimals ActiLife writes hold it exactly.
    static func milli(_ i: Int) -> (Int, Int, Int) { ((i * 17) % 2000 - 1000, -(i % 500), 1000 - i % 7) }
    static func rows(_ n: Int) -> [(Double, Double, Double)] {
        (0..<n).map { i in
            let m = milli(i)
            return (Double(m.0) / 1000, Double(m.1) / 1000, Double(m.2) / 1000)
        }
    }

    func open(_ bytes: [UInt8], name: String = "export.csv") throws -> (RecordingReader, URL) {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return (try RecordingFile.open(url), dir)
    }

    @Test(
        "without a Timestamp column: rows from Start Date + Start Time at the first line's rate, values in g",
        arguments: ["", ",,,"])
    func withoutTimestamps(pad: String) throws {
        // ActiLife pads the header lines with the table's commas in some exports (`Start Time 11:55:00,,,`).
        let bytes = DeviceFiles.actiLifeCSV(
            dateFormat: "M/d/yyyy", rate: 30, start: (2021, 12, 20, 11, 55, 0), rows: ActiLifeCSVTests.rows(700),
            timestamps: false, padHeader: pad)
        let (reader, dir) = try open(bytes)
        defer { try? FileManager.default.removeItem(at: dir) }
        guard case .actilifeCSV(var source) = reader else {
            Issue.record("expected the ActiLife reader, got \(reader.format)")
            return
        }
        #expect(reader.format == "actilife-csv" && source.info.serial == "MOS2E11180137" && source.info.sampleRate == 30)
        #expect(source.info.device == "ActiGraph GT3X+")
        #expect(source.startDeviceMicroseconds == civilMicros(2021, 12, 20, 11, 55, 0))
        let frames = try readAll(&source)
        #expect(frames.count == 700 * 6)
        for k in 0..<700 {
            let m = ActiLifeCSVTests.milli(k)
            #expect(Array(frames[(k * 6)..<(k * 6 + 3)]) == [Float(Double(m.0) / 1000), Float(Double(m.1) / 1000), Float(Double(m.2) / 1000)], "row \(k)")
            #expect(frames[k * 6 + 3].isNaN)
        }
        #expect(source.readingFindings.isEmpty)
    }

    @Test("a byte order mark before the first line (gt3x2csv writes one): read as the same export, also in a folder")
    func byteOrderMark() throws {
        let plain = DeviceFiles.actiLifeCSV(
            dateFormat: "dd/MM/yyyy", rate: 60, start: (2024, 4, 30, 14, 53, 0), rows: ActiLifeCSVTests.rows(300),
            timestamps: true)
        let marked = [0xEF, 0xBB, 0xBF] + plain
        let (a, dirA) = try open(plain)
        let (b, dirB) = try open(marked)
        defer {
            try? FileManager.default.removeItem(at: dirA)
            try? FileManager.default.removeItem(at: dirB)
        }
        guard case .actilifeCSV(var withoutMark) = a, case .actilifeCSV(var withMark) = b else {
            Issue.record("expected the ActiLife reader for both, got \(a.format) and \(b.format)")
            return
        }
        #expect(withMark.info.serial == withoutMark.info.serial && withMark.info.sampleRate == 60)
        #expect(withMark.startDeviceMicroseconds == civilMicros(2024, 4, 30, 14, 53, 0))
        let frames = try readAll(&withMark)
        #expect(frames.count == 300 * 6)
        // NaN (the absent right leg) compares unequal to itself: compare the bits.
        #expect(frames.map(\.bitPattern) == (try readAll(&withoutMark)).map(\.bitPattern))
        #expect(RecordingFile.notARecording(dirB.appendingPathComponent("export.csv")) == nil)
    }

    @Test("with a Timestamp column, in each date format: each row at its own time, a gap kept as a gap")
    func withTimestamps() throws {
        for (format, lineEnd) in [("dd/MM/yyyy", "\r\n"), ("M/d/yyyy", "\n"), ("yyyy-MM-dd", "\r\n")] {
            // 23:59:58 on New Year's Eve: the stamps cross midnight and the year; rows 40…69 (one second) missing.
            let bytes = DeviceFiles.actiLifeCSV(
                dateFormat: format, rate: 30, start: (2024, 12, 31, 23, 59, 58), rows: ActiLifeCSVTests.rows(120),
                timestamps: true, lineEnd: lineEnd, skip: Set(40..<70))
            let (reader, dir) = try open(bytes)
            defer { try? FileManager.default.removeItem(at: dir) }
            guard case .actilifeCSV(var source) = reader else {
                Issue.record("\(format): expected the ActiLife reader")
                continue
            }
            #expect(source.startDeviceMicroseconds == civilMicros(2024, 12, 31, 23, 59, 58), "\(format)")
            let frames = try readAll(&source)
            #expect(frames.count == 120 * 6, "\(format)")
            for k in [0, 39, 70, 119] {
                #expect(frames[k * 6] == Float(Double(ActiLifeCSVTests.milli(k).0) / 1000), "\(format) row \(k)")
            }
            for k in 40..<70 { #expect(frames[k * 6].isNaN, "\(format) row \(k) must be missing") }
            #expect(source.gaps.count == 1, "\(format)")
        }
    }

    @Test(
        "ActiLife's fill is not a measurement: runs repeating a row for 0.5 s or more and rows of exactly 0 g read as missing",
        arguments: [false, true])
    func fillReadAsMissing(timestamps: Bool) throws {
        // 30 Hz. Rows 0-99 measured; 100-159 repeat row 99 (2 s of idle-sleep fill, as ActiLife writes it); 160-199
        // measured, with rows 170-173 equal to row 169 (a still sensor's few equal rows: measurements); 200-229
        // 0,0,0 (nothing recorded); 230-299 measured, then rows 300-314 repeating row 299: 0.5 s exactly, a fill
        // reaching the end of the file.
        var rows = ActiLifeCSVTests.rows(315)
        for k in 100..<160 { rows[k] = rows[99] }
        for k in 170..<174 { rows[k] = rows[169] }
        for k in 200..<230 { rows[k] = (0, 0, 0) }
        for k in 300..<315 { rows[k] = rows[299] }
        let bytes = DeviceFiles.actiLifeCSV(
            dateFormat: "M/d/yyyy", rate: 30, start: (2024, 3, 1, 22, 0, 0), rows: rows, timestamps: timestamps)
        let (reader, dir) = try open(bytes)
        defer { try? FileManager.default.removeItem(at: dir) }
        guard case .actilifeCSV(var source) = reader else {
            Issue.record("expected the ActiLife reader, got \(reader.format)")
            return
        }
        let frames = try readAll(&source)
        // Frame k is row k's time (the recording starts at row 0; every row, fill or not, has its time slot).
        let missing = Set(100..<160).union(200..<230)
        #expect(frames.count >= 300 * 6)
        for k in 0..<300 {
            if missing.contains(k) {
                #expect(frames[k * 6].isNaN && frames[k * 6 + 2].isNaN, "row \(k) is fill: missing")
            } else {
                #expect(frames[k * 6] == Float(rows[k].0) && frames[k * 6 + 2] == Float(rows[k].2), "row \(k) is measured")
            }
        }
        // The trailing fill is not read: the recording ends at row 299.
        #expect(frames.count == 300 * 6)
        let findings = source.readingFindings
        #expect(findings.contains { $0.hasPrefix("75 rows in 2 run(s) repeat the row before them for 0.5 s or more (the first at line 112)") }, "\(findings)")
        #expect(findings.contains { $0.hasPrefix("30 rows of exactly 0 g on all three axes (the first at line 212)") }, "\(findings)")
        #expect(findings.contains { $0.contains("ActiLife's fill of idle sleep mode (rows repeating the last sample)") }, "\(findings)")
    }

    @Test("epoch-count exports are still refused; absurd headers and bad rows are errors naming the line")
    func refusedAndHostile() throws {
        let counts = DeviceFiles.actiLifeCSV(
            dateFormat: "M/d/yyyy", rate: 30, start: (2024, 1, 1, 10, 0, 0), rows: [(12, 40, 3)], timestamps: false,
            epoch: "00:01:00")
        #expect(errorText { _ = try open(counts) }.contains("activity counts"))
        #expect(errorText { _ = try ActiLifeCSVDecoder(path: "c.csv", bytes: counts) }.hasPrefix("c.csv: line 5: an ActiLife epoch (count) export"))
        func message(_ bytes: [UInt8]) -> String {
            errorText {
                var d = try ActiLifeCSVDecoder(path: "h.csv", bytes: bytes)
                while try d.nextBlock() != nil {}
            }
        }
        for rate in [0, 1_000_000_000] {
            let b = DeviceFiles.actiLifeCSV(dateFormat: "M/d/yyyy", rate: rate, start: (2024, 1, 1, 10, 0, 0), rows: [(0, 0, 1)], timestamps: false)
            #expect(message(b).hasPrefix("h.csv: line 1: sample rate"), "\(rate)")
        }
        var text = String(decoding: DeviceFiles.actiLifeCSV(dateFormat: "M/d/yyyy", rate: 30, start: (2024, 1, 1, 10, 0, 0), rows: ActiLifeCSVTests.rows(5), timestamps: false), as: UTF8.self)
        #expect(message(Array(text.replacingOccurrences(of: "date format M/d/yyyy", with: "date format MMMM").utf8)).hasPrefix("h.csv: line 1: expected 'date format"))
        #expect(message(Array(text.replacingOccurrences(of: "Start Date 1/1/2024", with: "Start Date 13/45/2024").utf8)).hasPrefix("h.csv: line 4: expected 'Start Date' as M/d/yyyy"))
        // Row 3 (line 14) with a hexadecimal number; row 2 with a decimal comma (four fields).
        var lines = text.components(separatedBy: "\r\n")
        lines[13] = "0x10,0,1"
        #expect(message(Array(lines.joined(separator: "\r\n").utf8)).hasPrefix("h.csv: line 14: expected three numbers"))
        lines[13] = "0,5,0,1"
        #expect(message(Array(lines.joined(separator: "\r\n").utf8)).hasPrefix("h.csv: line 14: expected 3 fields, found 4"))
        // A last line cut off mid-row: the rows before it are read, with a finding.
        text.removeLast(9)  // "4,0.996\r\n": the last row now has two fields
        var d = try ActiLifeCSVDecoder(path: "h.csv", bytes: Array(text.utf8))
        #expect(try d.nextBlock()?.count == 4)
        #expect(d.findings.first?.hasPrefix("line 16: the last line is cut off") == true)
    }
}

/// Writes the fuzz seeds (Fuzz/corpus/{gt3x,cwa,geneactiv,actilife}) when `PLM_FUZZ_SEEDS=DIR` is set; always
/// checks that each seed reads without an error (the fuzzer starts from valid files).
@Suite("Fuzz seeds of the device readers")
struct DeviceSeedTests {
    static func seeds() -> [(target: String, name: String, bytes: [UInt8])] {
        let W = DeviceFiles.self
        let stamp = W.cwaStamp(year: 2024, month: 3, day: 10, hour: 22, minute: 0, second: 0)
        let packed = (0..<2).map { k in
            W.cwaBlock(sequence: k, stamp: stamp + UInt32(k), fraction: 20000, index: 10, samples: .packed((0..<100).map { ($0 - 50, 2 * $0 - 100, 255, $0 % 4) }))
        }
        let ax6 = W.cwaBlock(
            sequence: 0, stamp: stamp, fraction: nil, index: 0, rateCode: 0x8A, accelScaleExponent: 3,
            samples: .ax6(gyro: (0..<40).map { ($0, -$0, 7) }, accel: (0..<40).map { (2048 - $0, $0, 2048) }))
        let s = UInt32(GT3XLayoutTests.t0 / 1_000_000)
        var log = W.logRecord(type: 0x1A, time: s, payload: W.activity2((0..<30).map { GT3XLayoutTests.counts($0) }))
        log += W.logRecord(type: 0x03, time: s + 1, payload: [0x08])
        log += W.logRecord(type: 0x03, time: s + 3, payload: [0x09])
        log += W.logRecord(type: 0x00, time: s + 3, payload: W.pack12((0..<30).map { GT3XLayoutTests.counts($0) }))
        let info = W.infoTxt([("Serial Number", "NEO1C04110003"), ("Sample Rate", "30"), ("Start Date", "\(W.ticks(unixMicroseconds: GT3XLayoutTests.t0))")])
        return [
            ("gt3x", "log.gt3x", W.zip([.init(name: "info.txt", data: GT3XLayoutTests.info()), .init(name: "log.bin", data: log)])),
            ("gt3x", "legacy-deflated.gt3x", W.zip([.init(name: "info.txt", data: info), .init(name: "activity.bin", data: W.pack12((0..<90).map { GT3XLayoutTests.counts($0) }), deflate: true)])),
            ("gt3x", "log.bin", log),
            ("cwa", "ax3-packed.cwa", W.cwaHeader() + packed.joined()),
            ("cwa", "ax6.cwa", W.cwaHeader(hardware: 0x64, rateCode: 0x8A) + ax6),
            ("geneactiv", "two-pages.bin", W.geneactiv(pageTimes: GENEActivLayoutTests.times(2), sample: GENEActivLayoutTests.sample)),
            ("actilife", "timestamps.csv", W.actiLifeCSV(dateFormat: "M/d/yyyy", rate: 30, start: (2024, 3, 10, 22, 0, 0), rows: ActiLifeCSVTests.rows(40), timestamps: true)),
            ("actilife", "plain.csv", W.actiLifeCSV(dateFormat: "dd/MM/yyyy", rate: 30, start: (2024, 3, 10, 22, 0, 0), rows: ActiLifeCSVTests.rows(40), timestamps: false)),
        ]
    }

    @Test("every seed reads; written to PLM_FUZZ_SEEDS when set")
    func seeds() throws {
        let out = ProcessInfo.processInfo.environment["PLM_FUZZ_SEEDS"].map { URL(fileURLWithPath: $0) }
        for seed in DeviceSeedTests.seeds() {
            switch seed.target {
            case "gt3x" where seed.name.hasSuffix(".gt3x"): _ = try deviceFrames(try GT3XDecoder(path: seed.name, bytes: seed.bytes))
            case "cwa": _ = try deviceFrames(try CWADecoder(path: seed.name, bytes: seed.bytes))
            case "geneactiv": _ = try deviceFrames(try GENEActivDecoder(path: seed.name, bytes: seed.bytes))
            case "actilife": _ = try deviceFrames(try ActiLifeCSVDecoder(path: seed.name, bytes: seed.bytes))
            default: break
            }
            if let out {
                let dir = out.appendingPathComponent(seed.target)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try Data(seed.bytes).write(to: dir.appendingPathComponent(seed.name))
            }
        }
    }
}
