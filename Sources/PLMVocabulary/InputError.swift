/// Bad input that stops a reader: the file, where in it, and what was expected there. Every reader of outside
/// input (recordings, event tables, diaries, configuration) reports with it, so that a message always reads
/// `FILE: line 12: expected ..., found ...` (or `byte 4096`, or `key 'rate'`).
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A place in a file.
    public enum Location: Sendable, Hashable, CustomStringConvertible {
        /// A physical line (1-based; a line break inside a quoted CSV field counts).
        case line(Int)
        /// A byte offset from the start of the file (0-based).
        case byte(Int)
        /// A key of a structured file (JSON, configuration).
        case key(String)

        public var description: String {
            switch self {
            case .line(let n): "line \(n)"
            case .byte(let n): "byte \(n)"
            case .key(let k): "key '\(k)'"
            }
        }
    }

    public var file: String
    /// Where in the file, or nil when the whole file is meant.
    public var location: Location?
    /// What `location` counts in when it is not the file itself: "the inflated data" of a `.gz` file.
    public var within: String?
    public var message: String

    public init(file: String, location: Location? = nil, within: String? = nil, message: String) {
        self.file = file
        self.location = location
        self.within = within
        self.message = message
    }

    public var description: String {
        switch (location, within) {
        case (nil, nil): "\(file): \(message)"
        case (nil, let w?): "\(file): in \(w): \(message)"
        case (let l?, nil): "\(file): \(l): \(message)"
        case (let l?, let w?): "\(file): \(l) of \(w): \(message)"
        }
    }
}
