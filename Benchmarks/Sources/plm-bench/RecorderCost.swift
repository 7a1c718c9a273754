// plm-bench --recorder: what plmd's own work costs per hour of two-leg recording, without USB.
//
// plmd's work per recorded hour is: decode every frame the sensors send (SensorFrameCodec, as FrameStream does),
// hand it to the recording session (the .plmrec record and the live detector), write and fsync a block every
// flush interval, a clock anchor per sensor every anchor interval, and status.json every status interval
// (RecorderConfiguration's defaults: 1 s, 10 s, 2 s). This mode does exactly that through the same public API
// (RecordingSession, DaemonStatus.write) on frames packed in advance by the firmware's packer (FramePacker), with a
// virtual clock that advances with the frames, so an hour is recorded as fast as the machine can; it prints the CPU
// time (user + system, getrusage) of that work per recorded hour and the process's peak RSS. The frames are packed
// as the run goes (a sensor's work, not plmd's): a first pass only packs them, and its CPU time is subtracted. Not
// in it: libusb's and the
// kernel's work per transfer and per control request (the COMMIT after each flush), the actor hops of
// NightRecorder, and the process's idle wake-ups: those the VM system test's figure includes (BENCHMARKS.md,
// "plmd cost").
import DaemonStatus
import Foundation
import Logging
import NightRecorder
import PLMVocabulary
import RecordingFormats
import SensorFrames

/// A clock the benchmark moves: µs since the Unix epoch and a monotonic µs count, advanced together (its state
/// behind a lock, so it is Sendable as RecorderClock requires).
final class VirtualClock: RecorderClock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64 = 0
    static let unixStart: Int64 = 1_767_650_400_000_000  // 2026-01-05 22:00 UTC
    func unixMicroseconds() -> Int64 { Self.unixStart + lock.withLock { now } }
    func monotonicMicroseconds() -> Int64 { 1_000_000 + lock.withLock { now } }
    func set(_ microseconds: Int64) { lock.withLock { now = microseconds } }
}

/// Runs `hours` of two-leg recording at `rate` Hz and prints `recorder_*` lines.
func timeRecorder(hours: Double, rate: Double) throws {
    let flushInterval: Int64 = 1_000_000, anchorInterval: Int64 = 10_000_000, statusInterval: Int64 = 2_000_000
    let rangeG: UInt8 = 4
    let samples = Int((hours * 3600 * rate).rounded())
    /// The two legs' frames in the order they arrive, each at the host time of its last sample: `body(leg, time,
    /// bytes)`. The same frames every call.
    func frames(_ body: (Int, Int64, [UInt8]) throws -> Void) rethrows {
        var packers = (0..<2).map { _ in FramePacker(sampleRate: rate, rangeG: rangeG, startTime: 5_000_000) }
        var noise: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<samples {
            let t = Int64((Double(i + 1) * 1e6 / rate).rounded())
            for leg in 0..<2 {
                // Lying still with sensor noise of a few counts (the values do not matter to the cost).
                noise = noise &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let n = Int16(truncatingIfNeeded: Int64(noise >> 60) - 8)
                if let bytes = packers[leg].add(x: 120 + n, y: -40 - n, z: 8100 + n) { try body(leg, t, bytes) }
            }
        }
    }
    func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(u.ru_utime) + s(u.ru_stime)
    }
    // Pass 1: packing alone.
    let packStart = cpuSeconds()
    var packed = 0
    frames { _, _, bytes in packed &+= bytes.count }
    let packing = cpuSeconds() - packStart
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-bench-recorder-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let clock = VirtualClock()
    var logger = Logger(label: "plm-bench")
    logger.logLevel = .error

    // Pass 2: packing and plmd's work.
    let start = cpuSeconds()
    var frameCount = 0
    let wallStart = DispatchTime.now().uptimeNanoseconds
    let session = try RecordingSession(
        url: dir.appendingPathComponent("night.plmrec"), night: "2026-01-05", clock: clock, sampleRate: rate,
        rangeG: Double(rangeG), logger: logger)
    let index = try [SensorSide.left, .right].map { side in
        try session.index(
            for: PlmrecSensor(
                serialNumber: side == .left ? "BENCH0000000000000000000L" : "BENCH0000000000000000000R", side: side,
                accelerometerModel: 1, sampleRate: UInt16(rate), rangeG: rangeG))
    }
    var nextFlush = flushInterval, nextAnchor: Int64 = 0, nextStatus = statusInterval
    var decodeFailures = 0
    try frames { leg, time, bytes in
        let a = (leg: leg, time: time, bytes: bytes)
        frameCount += 1
        clock.set(a.time)
        if a.time >= nextAnchor {
            for (k, i) in index.enumerated() {
                try session.anchor(
                    sensor: i, hostTime: a.time, deviceTime: UInt64(a.time) + 5_000_000 + UInt64(k), roundTrip: 180)
            }
            nextAnchor += anchorInterval
        }
        switch SensorFrameCodec.decode(a.bytes) {
        case .success(let frame): try session.append(frames: [frame], sensor: index[a.leg], hostTime: a.time)
        case .failure: decodeFailures += 1
        }
        if a.time >= nextFlush {
            session.flush()
            nextFlush += flushInterval
        }
        if a.time >= nextStatus {
            var status = DaemonStatus(state: .recording, pid: getpid(), daemonStartedUnixMicroseconds: VirtualClock.unixStart)
            status.night = session.night
            status.recording = session.url.path
            status.lastFlushUnixMicroseconds = session.lastFlushUnix
            try status.write(into: dir)
            nextStatus += statusInterval
        }
    }
    try session.close()
    let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
    let cpu = cpuSeconds() - start - packing
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let perHour = cpu / hours
    print("recorder_hours \(hours)")
    print("recorder_frames \(frameCount)")
    print("recorder_packing_cpu_seconds \(packing)")
    print("recorder_decode_failures \(decodeFailures)")
    print("recorder_wall_seconds \(wall)")
    print("recorder_cpu_seconds \(cpu)")
    print("recorder_cpu_seconds_per_hour \(perHour)")
    print("recorder_percent_of_one_core \(perHour / 3600 * 100)")
    print("recorder_peak_rss_mib \(Double(usage.ru_maxrss) / 1024)")
}
