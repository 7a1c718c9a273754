// plm-bench: the detector's throughput on a whole simulated night held in memory, and the cost of streaming
// one second of two-leg data as the daemon does. Only LegMovementDetector.push/finish/drainCompleted is timed.
// Usage: plm-bench [--hours 8] [--seed 7] [--rate 100] [--repetitions 5]
// Prints `key value` lines for Benchmarks/run.sh.
import AccelerationSignal
import Dispatch
import LegMovementDetection
import NightSimulation

var hours = 8.0
var seed: UInt64 = 7
var rate = 100.0
var repetitions = 5
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let name = arguments.removeFirst()
    guard let value = arguments.first else { fatalError("\(name) needs a value") }
    arguments.removeFirst()
    switch name {
    case "--hours": hours = Double(value)!
    case "--seed": seed = UInt64(value)!
    case "--rate": rate = Double(value)!
    case "--repetitions": repetitions = Int(value)!
    default: fatalError("unknown option \(name)")
    }
}

var settings = SimulationSettings.typical(seed: seed, severity: .moderate)
settings.sampleRate = rate
settings.hoursInBed = hours
let night = try simulate(settings)
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

// Batch: the whole night, pushed in chunks as plm-replay does, then finish.
let chunkFrames = 4096
var batchTimes: [Double] = []
var movements = 0
night.frames.withUnsafeBufferPointer { all in
    for _ in 0..<repetitions {
        var detector = LegMovementDetector(description: night.description)
        var result: DetectionResult? = nil
        let t = seconds {
            var start = 0
            while start < frameCount {
                let n = min(chunkFrames, frameCount - start)
                detector.push(UnsafeBufferPointer(rebasing: all[(start * channels)..<((start + n) * channels)]))
                start += n
            }
            result = detector.finish()
        }
        movements = result!.movements.count
        batchTimes.append(t)
    }
}

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
print("stream_movements \(drained)")
print("stream_microseconds_per_second_of_data \(median(streamTimes) * 1e6)")
