import AccelerationSignal
import LegMovementScoring

/// An adaptive noise floor: each second's median of a measure goes into a window of `seconds` seconds; the
/// floor is the window's median. Seconds are counted in frames of the stream, whatever the chunking.
struct RunningFloor: Sendable {
    let framesPerSecond: Int
    let seconds: Int
    var window: [Float] = []  // FIFO of per-second medians from windowStart
    var windowStart = 0
    var sorted: [Float] = []
    var value: Float = 0
    /// The floor after each second closed, when `keepsHistory` (the night's median floor is reported from it);
    /// a floor nobody reports keeps none (4 bytes a second: 0.35 MB a leg over 24 h).
    var history = BlockArray<Float>()
    let keepsHistory: Bool

    init(framesPerSecond: Int, seconds: Int, keepsHistory: Bool = true) {
        self.framesPerSecond = framesPerSecond
        self.seconds = seconds
        self.keepsHistory = keepsHistory
    }

    /// Closes a second with these values of the measure (reordered; `scratch` holds as many). A second with
    /// data for less than half of it is left out.
    mutating func closeSecond(_ values: UnsafeMutableBufferPointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        guard values.count * 2 >= framesPerSecond else { return }
        // The element of rank count/2 (what sorting and indexing would give), by selection: same value, less work.
        let median = RunningFloor.select(rank: values.count / 2, in: values, scratch: scratch)
        window.append(median)
        sorted.insert(median, at: position(of: median))
        if window.count - windowStart > seconds {
            let old = window[windowStart]
            let i = position(of: old)
            if i < sorted.count { sorted.remove(at: i) }
            windowStart += 1
            if windowStart > 4096 {
                window.removeFirst(windowStart)
                windowStart = 0
            }
        }
        value = sorted[sorted.count / 2]
        if keepsHistory { history.append(value) }
    }

    /// The value of rank `k` (0-based) in ascending order; reorders `a`. Quickselect with a median-of-three
    /// pivot and three-way partitions written out of place, the next index counted rather than branched on (a
    /// second's values compare unpredictably); equal values, as quantised still data give, cannot make it
    /// quadratic.
    /// `scratch` has room for as many values as `a`.
    static func select(rank k: Int, in a: UnsafeMutableBufferPointer<Float>, scratch other: UnsafeMutablePointer<Float>)
        -> Float
    {
        guard let start = a.baseAddress, k >= 0, k < a.count else { return .nan }
        var src = start
        var dst = other
        var srcInA = true
        var n = a.count
        var k = k
        while n > 12 {
            let x = src[0]
            let y = src[n / 2]
            let z = src[n - 1]
            let pivot = max(min(x, y), min(max(x, y), z))
            // Values below the pivot to the front of `dst`, values above it to the back.
            var below = 0
            var above = 0
            for i in 0..<n {
                let v = src[i]
                dst[below] = v
                dst[n - 1 - above] = v
                below &+= Int(truncatingIfNeeded: unsafeBitCast(v < pivot, to: UInt8.self))
                above &+= Int(truncatingIfNeeded: unsafeBitCast(v > pivot, to: UInt8.self))
            }
            if k < below {
                src = dst
                n = below
            } else if k >= n - above {
                k -= n - above
                src = dst + (n - above)
                n = above
            } else {
                return pivot
            }
            srcInA.toggle()
            dst = srcInA ? other : start
        }
        // A few values left: insertion sort.
        var i = 1
        while i < n {
            let v = src[i]
            var j = i
            while j > 0 && v < src[j - 1] {
                src[j] = src[j - 1]
                j -= 1
            }
            src[j] = v
            i += 1
        }
        return src[k]
    }

    func position(of v: Float) -> Int {
        sorted.partitionIndex { $0 < v }
    }
}
