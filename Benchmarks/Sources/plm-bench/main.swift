// plm-bench: the detector's throughput on a whole simulated night held in memory, and the cost of streaming
// one second of two-leg data as the daemon does. Only LegMovementDetector.push/finish/drainCompleted is timed.
// Usage: plm-bench [--hours 8] [--seed 7] [--rate 100] [--repetitions 5]
//        plm-bench --fingerprint   (a hash of everything the detector reports, for several simulated nights,
//                                   pushed whole and one second at a time: optimisations must not change it)
//        plm-bench --read FILE... [--repetitions 5]   (each recording's reader alone: RecordingFile.open and
//                                   every frame read in plm-replay's chunks, nothing else; best and median wall s)
//        plm-bench --frames FILE...       (what each reader gives, hashed: every frame's bits read in three chunk
//                                   sizes, the findings, gaps and clock figures, and for a research device's file the
//                                   decoder's blocks; or the error. Reader optimisations must not change a line.)
//        plm-bench --recorder [HOURS]     (plmd's own work per recorded hour of two legs at 100 Hz, without USB:
//                                   RecorderCost.swift)
// Prints `key value` lines for Benchmarks/run.sh.
import AccelerationSignal
import Dispatch
import Foundation
import LegMovementDetection
import NightAnalysis
import NightSimulation
import RecordingFormats

var hours = 8.0
var seed: UInt64 = 7
var rate = 100.0
var repetitions = 5
var arguments = Array(CommandLine.arguments.dropFirst())

/// The usage on standard error: after `problem` with exit status 2, or alone (`--help`, `problem` empty) with 0.
func usage(_ problem: String) -> Never {
    let text = """
        usage: plm-bench [--hours 8] [--seed 7] [--rate 100] [--repetitions 5]
               plm-bench --fingerprint
               plm-bench --read FILE... [--repetitions 5]
               plm-bench --frames FILE...
               plm-bench --recorder [HOURS]
        (BENCHMARKS.md and the comment at the top of Benchmarks/Sources/plm-bench/main.swift say what each does)

        """
    FileHandle.standardError.write(Data(((problem.isEmpty ? "" : "plm-bench: \(problem)\n") + text).utf8))
    exit(problem.isEmpty ? 0 : 2)
}
if arguments.contains("--help") || arguments.contains("-h") { usage("") }
/// `body`'s result, or its error on standard error and exit status 1 (an unreadable file is an error, not a crash).
func orExit<T>(_ body: () throws -> T) -> T {
    do {
        return try body()
    } catch {
        FileHandle.standardError.write(Data("plm-bench: \(error)\n".utf8))
        exit(1)
    }
}
if arguments == ["--fingerprint"] {
    orExit { try printFingerprints() }
    exit(0)
}
if arguments.first == "--frames" {
    for file in arguments.dropFirst() { print(describeReading(file)) }
    exit(0)
}
if arguments.first == "--recorder" {
    let given = arguments.dropFirst().first
    guard let hours = given.map(Double.init) ?? 1, hours > 0, hours <= 1000 else {
        usage("--recorder expects a number of hours (0 < HOURS <= 1000), got \(given ?? "")")
    }
    orExit { try timeRecorder(hours: hours, rate: 100) }
    exit(0)
}
if arguments.first == "--read" {
    orExit { try timeReaders(Array(arguments.dropFirst())) }
    exit(0)
}
while !arguments.isEmpty {
    let name = arguments.removeFirst()
    guard let value = arguments.first else { usage("\(name) needs a value") }
    arguments.removeFirst()
    switch name {
    case "--hours":
        guard let v = Double(value), v > 0, v <= 1000 else { usage("--hours expects 0 < HOURS <= 1000, got \(value)") }
        hours = v
    case "--seed":
        guard let v = UInt64(value) else { usage("--seed expects a whole number >= 0, got \(value)") }
        seed = v
    case "--rate":
        guard let v = Double(value), v >= 10, v <= 10000 else { usage("--rate expects 10 <= HZ <= 10000, got \(value)") }
        rate = v
    case "--repetitions":
        guard let v = Int(value), v >= 1 else { usage("--repetitions expects a whole number >= 1, got \(value)") }
        repetitions = v
    default: usage("unknown option \(name)")
    }
}

var settings = SimulationSettings.typical(seed: seed, severity: .moderate)
settings.sampleRate = rate
settings.hoursInBed = hours
let night = orExit { try simulate(settings) }
let channels = TwoLegFrame.channels
let frameCount = night.frames.count / channels

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

// Batch: the whole night, pushed in chunks, then finish: on one thread (`push`), and with the two legs on two
// threads at once as plm-replay does (`pushConcurrently`, chunks of NightAnalysis.Options().chunkFrames).
@MainActor func batch(chunkFrames: Int, concurrent: Bool) -> (times: [Double], movements: Int) {
    var times: [Double] = []
    var movements = 0
    night.frames.withUnsafeBufferPointer { all in
        for _ in 0..<repetitions {
            var detector = LegMovementDetector(description: night.description)
            var result: DetectionResult? = nil
            let t = seconds {
                var start = 0
                while start < frameCount {
                    let n = min(chunkFrames, frameCount - start)
                    let chunk = UnsafeBufferPointer(rebasing: all[(start * channels)..<((start + n) * channels)])
                    if concurrent { detector.pushConcurrently(chunk) } else { detector.push(chunk) }
                    start += n
                }
                result = detector.finish()
            }
            movements = result!.movements.count
            times.append(t)
        }
    }
    return (times, movements)
}
let chunkFrames = NightAnalysis.Options().chunkFrames
let (batchTimes, movements) = batch(chunkFrames: chunkFrames, concurrent: false)
let (concurrentTimes, concurrentMovements) = batch(chunkFrames: chunkFrames, concurrent: true)
precondition(concurrentMovements == movements, "the legs on two threads must find the same movements")

// Streaming: one second (rate frames) at a time, then drainCompleted, as the daemon does.
let perSecond = Int(rate.rounded())
var streamTimes: [Double] = []
var drained = 0
night.frames.withUnsafeBufferPointer { all in
    for _ in 0..<max(1, repetitions / 2) {
        var detector = LegMovementDetector(description: night.description)
        var count = 0
        let secondsOfData = frameCount / perSecond
        let t = seconds {
            for s in 0..<secondsOfData {
                let start = s * perSecond
                detector.push(UnsafeBufferPointer(rebasing: all[(start * channels)..<((start + perSecond) * channels)]))
                count += detector.drainCompleted().count
            }
        }
        drained = count
        streamTimes.append(t / Double(secondsOfData))
    }
}

let best = batchTimes.min()!
let med = median(batchTimes)
print("frames \(frameCount)")
print("channel_samples \(frameCount * channels)")
print("night_hours \(Double(frameCount) / rate / 3600)")
print("detector_movements \(movements)")
print("detector_seconds_best \(best)")
print("detector_seconds_median \(med)")
print("detector_frames_per_second \(Double(frameCount) / med)")
print("detector_samples_per_second \(Double(frameCount * channels) / med)")
print("detector_two_threads_seconds_median \(median(concurrentTimes))")
print("detector_two_threads_frames_per_second \(Double(frameCount) / median(concurrentTimes))")
print("detector_two_threads_samples_per_second \(Double(frameCount * channels) / median(concurrentTimes))")
print("stream_movements \(drained)")
print("stream_microseconds_per_second_of_data \(median(streamTimes) * 1e6)")

/// FNV-1a over every field of a detection result (floats by their bit patterns).
struct Fingerprint {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ v: UInt64) {
        for k in 0..<8 {
            h ^= (v >> (8 * UInt64(k))) & 0xff
            h = h &* 0x100_0000_01b3
        }
    }
    mutating func add(_ v: Int64) { add(UInt64(bitPattern: v)) }
    mutating func add(_ v: Int) { add(Int64(v)) }
    mutating func add(_ v: Double) { add(v.bitPattern) }
    mutating func add(_ v: Float) { add(UInt64(v.bitPattern)) }
    mutating func add(_ v: Bool) { add(v ? 1 : 0) }

    mutating func add(_ r: DetectionResult) {
        add(r.frameCount)
        for m in r.movements + r.postureChanges {
            add(m.leg == .left ? 0 : 1)
            add(m.onsetFrame)
            add(m.endFrame)
            add(m.kind == .legMovement)
            add(m.peakDeviation)
            add(m.truncated)
        }
        for e in r.inBedEpochs { add(e.lowerBound); add(e.upperBound) }
        let q = r.quality
        add(q.recordingSeconds)
        add(q.inBedSeconds)
        for l in q.legs {
            add(l.validSeconds); add(l.gapSeconds); add(l.gapCount); add(l.clippedSamples)
            add(l.noiseFloor ?? -1); add(l.legAxisLearned); add(l.movementCount); add(l.postureChangeCount)
            add(l.possiblyNotWorn)
            for s in l.stillIntervals + [-1..<(-1)] + l.gapIntervals { add(s.lowerBound); add(s.upperBound) }
        }
        for f in q.findings { for b in f.utf8 { add(Int(b)) } }
    }
}

func printFingerprints() throws {
    let nights: [(String, SimulationSettings)] = {
        func with(_ s: SimulationSettings, rate: Double, hours: Double) -> SimulationSettings {
            var s = s
            s.sampleRate = rate
            s.hoursInBed = hours
            return s
        }
        return [
            ("typical-moderate-100Hz", with(.typical(seed: 7, severity: .moderate), rate: 100, hours: 3)),
            ("challenging-severe-50Hz", with(.challenging(seed: 21, severity: .severe), rate: 50, hours: 3)),
            ("challenging-moderate-200Hz", with(.challenging(seed: 22, severity: .moderate), rate: 200, hours: 2)),
            ("clean-severe-128Hz", with(.clean(seed: 24, severity: .severe), rate: 128, hours: 2)),
            ("left-leg-mild-100Hz", with(.singleLeg(seed: 23, leg: .left, severity: .mild), rate: 100, hours: 2)),
            ("right-leg-moderate-25Hz", with(.singleLeg(seed: 25, leg: .right, severity: .moderate), rate: 25, hours: 2)),
        ]
    }()
    for (name, settings) in nights {
        let night = try simulate(settings)
        let channels = TwoLegFrame.channels
        let frames = night.frames.count / channels
        var prints: [UInt64] = []
        for chunk in [frames, Int(settings.sampleRate.rounded()), 4096] {
            var d = LegMovementDetector(description: night.description)
            var drained: [DetectedMovement] = []
            night.frames.withUnsafeBufferPointer { all in
                var start = 0
                while start < frames {
                    let n = min(chunk, frames - start)
                    d.push(UnsafeBufferPointer(rebasing: all[(start * channels)..<((start + n) * channels)]))
                    drained += d.drainCompleted()
                    start += n
                }
            }
            var f = Fingerprint()
            f.add(d.finish())
            for m in drained { f.add(m.leg == .left ? 0 : 1); f.add(m.onsetFrame); f.add(m.endFrame) }
            prints.append(f.h)
        }
        print("fingerprint \(name) " + prints.map { String($0, radix: 16) }.joined(separator: " "))
    }
}

/// Times each recording's reader on its own: open (`RecordingFile.open`, as plm-replay does: for .plmrec this
/// includes the scan of the whole file) and read every frame in chunks of `NightAnalysis.Options().chunkFrames`;
/// the clock runs only inside those calls (until 2026-12-06 it also ran while the harness counted the samples
/// read, a cost per frame that weighed on one-leg files per sample).
/// Prints per file: `read_<name>_seconds_best`, `_seconds_median`, `_frames`, `_samples` (channel values read that
/// are not NaN: the samples the file holds), `_samples_per_second` (samples / median time).
func timeReaders(_ arguments: [String]) throws {
    var files: [String] = []
    var repetitions = 5
    var rest = arguments[...]
    while let a = rest.popFirst() {
        guard a == "--repetitions" else {
            files.append(a)
            continue
        }
        guard let v = rest.popFirst(), let n = Int(v), n >= 1 else { usage("--repetitions expects a whole number >= 1") }
        repetitions = n
    }
    let chunk = NightAnalysis.Options().chunkFrames
    // Interleaved: one run of every file per round, so a busy moment of the machine hits all readers alike.
    var times = [[Double]](repeating: [], count: files.count)
    var frames = [Int](repeating: 0, count: files.count)
    var samples = [Int](repeating: 0, count: files.count)
    for _ in 0..<repetitions {
        for (k, file) in files.enumerated() {
            var n = 0
            var finite = 0
            var buffer: [Float] = []
            buffer.reserveCapacity(chunk * TwoLegFrame.channels)
            // Only the reader's own calls are timed (open, and each read); counting the samples read is not.
            var opened: (any FrameSource)?
            var t = try secondsThrowing { opened = try RecordingFile.open(URL(fileURLWithPath: file)).source }
            guard var source = opened else { continue }
            while true {
                buffer.removeAll(keepingCapacity: true)
                var got = 0
                t += try secondsThrowing { got = try source.read(into: &buffer, maxFrames: chunk) }
                if got == 0 { break }
                n += got
                for v in buffer where !v.isNaN { finite += 1 }
            }
            times[k].append(t)
            frames[k] = n
            samples[k] = finite
        }
    }
    for (k, file) in files.enumerated() {
        let name = URL(fileURLWithPath: file).lastPathComponent.replacingOccurrences(of: ".", with: "_")
        let med = median(times[k])
        print("read_\(name)_seconds_best \(times[k].min() ?? 0)")
        print("read_\(name)_seconds_median \(med)")
        print("read_\(name)_frames \(frames[k])")
        print("read_\(name)_samples \(samples[k])")
        print("read_\(name)_samples_per_second \(Double(samples[k]) / med)")
    }
}

func secondsThrowing(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Everything a reader gives for `file`, as text with hashes (for `--frames`): a change of any frame bit, finding,
/// gap, clock figure or decoded block shows as a changed line.
func describeReading(_ file: String) -> String {
    let url = URL(fileURLWithPath: file)
    var lines = ["== \(url.lastPathComponent)"]
    func frames(_ chunk: Int) throws -> (Int, UInt64, [String]) {
        let reader = try RecordingFile.open(url)
        var source = reader.source
        var f = Fingerprint()
        var n = 0
        var buffer: [Float] = []
        while true {
            buffer.removeAll(keepingCapacity: true)
            let got = try source.read(into: &buffer, maxFrames: chunk)
            if got == 0 { break }
            precondition(buffer.count == got * TwoLegFrame.channels)
            n += got
            for v in buffer { f.add(v) }
        }
        var extra: [String] = []
        extra.append("format \(reader.format) device \(String(describing: reader.device))")
        extra.append("start \(String(describing: reader.deviceStartUnixMicroseconds))")
        extra.append("description \(source.description)")
        if let r = source as? any ReadingFindings {
            extra += r.readingFindings.map { "finding \($0)" }
            extra.append("excluded \(r.samplesExcluded)")
        }
        func device<D>(_ s: DeviceFrameSource<D>) {
            extra.append("deviceStart \(s.startDeviceMicroseconds)")
            extra += s.gaps.map { "gap \($0.from.bitPattern) \($0.to.bitPattern) \($0.reason)" }
            extra.append("timed \(s.timedSamples) \(s.timedSeconds.bitPattern) drift \(String(describing: s.driftPPM))")
        }
        // The source read to its end (not `reader`'s copy, which has read nothing).
        if let s = source as? DeviceFrameSource<GT3XDecoder> { device(s) }
        if let s = source as? DeviceFrameSource<CWADecoder> { device(s) }
        if let s = source as? DeviceFrameSource<GENEActivDecoder> { device(s) }
        if let s = source as? DeviceFrameSource<ActiLifeCSVDecoder> { device(s) }
        return (n, f.h, extra)
    }
    do {
        var first: [String]?
        for chunk in [NightAnalysis.Options().chunkFrames, 977, 1] {
            let (n, h, extra) = try frames(chunk)
            lines.append("chunk \(chunk): frames \(n) hash \(String(h, radix: 16))")
            if first == nil { first = extra } else if first != extra { lines.append("DIFFERENT with chunk \(chunk)") }
        }
        lines += first ?? []
    } catch {
        lines.append("error \(error)")
    }
    func blocks<D: DeviceDecoder>(_ make: () throws -> D) {
        do {
            var d = try make()
            var f = Fingerprint()
            var count = 0
            while let b = try d.nextBlock() {
                count += 1
                f.add(b.start); f.add(b.period); f.add(b.offset); f.add(b.xyz.count)
                for v in b.xyz { f.add(v) }
                for c in (b.gapReason ?? "-").utf8 { f.add(Int(c)) }
            }
            lines.append("blocks \(count) hash \(String(f.h, radix: 16)) info \(d.info)")
            lines += d.findings.map { "decoder finding \($0)" }
        } catch {
            lines.append("decoder error \(error)")
        }
    }
    switch url.pathExtension.lowercased() {
    case "gt3x": blocks { try GT3XDecoder(url: url) }
    case "cwa": blocks { try CWADecoder(url: url) }
    case "bin": blocks { try GENEActivDecoder(url: url) }
    case "csv": blocks { try ActiLifeCSVDecoder(url: url) }
    default: break
    }
    return lines.joined(separator: "\n")
}
