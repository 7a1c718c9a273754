import AccelerationSignal
import Dispatch
import LegMovementDetection

extension LegMovementDetector {
    /// `push`, with the two legs worked at the same time on two threads (the detector's legs share nothing
    /// until `finish`, so the result is the same to the bit), and `alongside` run on a third task meanwhile
    /// (`NightAnalysis` reads the next chunk there). Chunks of a few thousand frames or more are worth it.
    public mutating func pushConcurrently(_ values: UnsafeBufferPointer<Float>, alongside: () -> Void = {}) {
        withLegs { left, right in
            withUnsafeMutablePointer(to: &left) { l in
                withUnsafeMutablePointer(to: &right) { r in
                    withoutActuallyEscaping(alongside) { other in
                        let work = ThreeTasks(left: l, right: r, values: values, other: other)
                        DispatchQueue.concurrentPerform(iterations: 3) { work.run($0) }
                    }
                }
            }
        }
    }
}

/// What `pushConcurrently` hands to its three tasks. Unchecked: task 0 alone touches the left leg, task 1 the
/// right, task 2 runs `other`; the frames are only read; and `concurrentPerform` returns only when all three
/// are done, before the pointers' scopes end.
private struct ThreeTasks: @unchecked Sendable {
    let left: UnsafeMutablePointer<LegTrack>
    let right: UnsafeMutablePointer<LegTrack>
    let values: UnsafeBufferPointer<Float>
    let other: () -> Void

    func run(_ k: Int) {
        switch k {
        case 0: left.pointee.push(values)
        case 1: right.pointee.push(values)
        default: other()
        }
    }
}
