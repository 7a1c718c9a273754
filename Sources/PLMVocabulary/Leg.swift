/// Which leg an annotated or detected movement was on. The raw value is the one-letter code of `lm_events.tsv`
/// and the store; `name` is the word of file headers, channel names and reports.
public enum Leg: String, Sendable, Hashable, CaseIterable {
    case left = "L"
    case right = "R"
    /// Already combined from both legs by whoever annotated it (for example a `LM/both` label).
    case both = "B"
    /// The annotation did not say which leg.
    case unknown = "U"

    /// "left", "right", "both" or "unknown": the word used in column names (`left_x`), findings and reports.
    public var name: String {
        switch self {
        case .left: "left"
        case .right: "right"
        case .both: "both"
        case .unknown: "unknown"
        }
    }

    /// The leg named by `name` ("left" or "right", as `name` writes them), or nil.
    public init?(name: String) {
        switch name {
        case "left": self = .left
        case "right": self = .right
        default: return nil
        }
    }
}

/// Which leg a sensor is worn on: what its flash stores (GET_INFO, docs/protocol.md, section 4) and what a
/// `.plmrec` sensor record holds (docs/recording-format.md). The raw values are the wire and file encoding.
public enum SensorSide: UInt8, Sendable, Hashable {
    /// Not assigned (`plm sensors assign` was never run on the sensor), or not known.
    case unknown = 0
    case left = 1
    case right = 2

    /// The leg, or nil when the side is unknown.
    public var leg: Leg? {
        switch self {
        case .unknown: nil
        case .left: .left
        case .right: .right
        }
    }

    /// The side of `leg`: unknown unless left or right.
    public init(_ leg: Leg?) {
        switch leg {
        case .left: self = .left
        case .right: self = .right
        default: self = .unknown
        }
    }
}
