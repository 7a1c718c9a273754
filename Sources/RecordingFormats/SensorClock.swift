import LegMovementScoring

/// A reading of a sensor's clock against the host's: at host time `host` (µs since the recording start) the
/// sensor's clock read `device` (µs).
public struct ClockAnchor: Sendable, Equatable {
    public var host: Microseconds
    public var device: UInt64

    public init(host: Microseconds, device: UInt64) {
        self.host = host
        self.device = device
    }
}

/// A straight line host = hostAtOrigin + slope × (device − deviceOrigin), fitted by least squares to the anchors
/// of one device time base (the base changes when the device restarts or is re-synced).
public struct ClockSegment: Sendable, Equatable {
    public var deviceOrigin: UInt64
    public var hostAtOrigin: Double
    /// Host µs per device µs (1 + drift).
    public var slope: Double
    public var anchors: Int
    public var firstHost: Microseconds
    public var lastHost: Microseconds
    /// Root-mean-square residual of the fit, µs.
    public var residual: Double

    /// Host time (µs since the recording start) of a device time.
    @inline(__always) public func host(_ device: UInt64) -> Double {
        hostAtOrigin + slope * Double(Int64(bitPattern: device &- deviceOrigin))
    }

    /// Drift of the device clock against the host's, ppm (positive: the device clock runs fast).
    public var driftPPM: Double { (1 / slope - 1) * 1e6 }
}

/// Maps a sensor's device times onto the host's time line.
public struct SensorClock: Sendable, Equatable {
    public var segments: [ClockSegment]

    /// Largest drift believed, ±1 %; a fit beyond it falls back to slope 1.
    static let maxDrift = 0.01

    /// Fits the anchors (any order): consecutive anchors (by host time) whose device clock moved unlike the host's
    /// (more than 1000 ppm + 20 ms apart, or backwards) start a new segment.
    public init(anchors: [ClockAnchor]) {
        self.init(anchors: anchors, lowerEnvelope: false)
    }

    /// Fits frames' reception times (host) against their last sample's device time: the line is shifted down onto
    /// the earliest reception, since a sample cannot be received before it was taken.
    public init(receptions: [ClockAnchor]) {
        self.init(anchors: receptions, lowerEnvelope: true)
    }

    init(anchors: [ClockAnchor], lowerEnvelope: Bool) {
        let sorted = anchors.enumerated().sorted { ($0.element.host, $0.offset) < ($1.element.host, $1.offset) }
            .map(\.element)
        var groups: [[ClockAnchor]] = []
        for a in sorted {
            if let prev = groups.last?.last {
                let dh = Double(a.host) - Double(prev.host)  // any two Int64: no overflow
                let dd = Double(Int64(bitPattern: a.device &- prev.device))
                if dd < 0 || abs(dd - dh) > 0.001 * abs(dh) + 20_000 {
                    groups.append([a])
                } else {
                    groups[groups.count - 1].append(a)
                }
            } else {
                groups.append([a])
            }
        }
        segments = groups.map { SensorClock.fit($0, lowerEnvelope: lowerEnvelope) }
    }

    static func fit(_ anchors: [ClockAnchor], lowerEnvelope: Bool) -> ClockSegment {
        let origin = anchors[0].device
        let n = Double(anchors.count)
        let xs = anchors.map { Double(Int64(bitPattern: $0.device &- origin)) }
        let ys = anchors.map { Double($0.host) }
        let mx = xs.reduce(0, +) / n
        let my = ys.reduce(0, +) / n
        var sxx = 0.0
        var sxy = 0.0
        for (x, y) in zip(xs, ys) {
            sxx += (x - mx) * (x - mx)
            sxy += (x - mx) * (y - my)
        }
        var slope = sxx > 0 ? sxy / sxx : 1
        if !slope.isFinite || abs(slope - 1) > maxDrift { slope = 1 }
        var intercept = my - slope * mx
        if lowerEnvelope {
            let lowest = zip(xs, ys).map { x, y in y - (intercept + slope * x) }.min() ?? 0
            intercept += lowest
        }
        var ss = 0.0
        for (x, y) in zip(xs, ys) {
            let r = y - (intercept + slope * x)
            ss += r * r
        }
        return ClockSegment(
            deviceOrigin: origin, hostAtOrigin: intercept, slope: slope, anchors: anchors.count,
            firstHost: anchors[0].host, lastHost: anchors[anchors.count - 1].host, residual: (ss / n).squareRoot())
    }

    /// Host time of a device time for a frame received at host time `received`: among the time-base segments,
    /// the one that puts the sample latest before its reception (a sample cannot be received before it was
    /// taken; 2 s of fit error allowed). With no segments the device time is taken as host time.
    public func host(device: UInt64, received: Microseconds) -> Double {
        if segments.count == 1 { return segments[0].host(device) }
        var best: Double?
        var bestLag = Double.infinity
        var fallback = 0.0
        var fallbackLag = Double.infinity
        for s in segments {
            let h = s.host(device)
            let lag = Double(received) - h
            if lag >= -2_000_000, lag < bestLag {
                bestLag = lag
                best = h
            }
            if abs(lag) < fallbackLag {
                fallbackLag = abs(lag)
                fallback = h
            }
        }
        if let best { return best }
        return segments.isEmpty ? Double(Int64(bitPattern: device)) : fallback
    }
}
