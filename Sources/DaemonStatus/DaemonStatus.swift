import Foundation

/// What plmd is doing; `status.json` spells it as the raw value.
public enum DaemonState: String, Codable, Sendable, Hashable, CaseIterable {
    /// The daemon has started and not yet looked for a night.
    case starting
    /// No night to record yet: before the evening, or the night already finished.
    case waiting
    case recording
    /// The night's summary is being computed.
    case finishing
    case finished
    case stopped
}

/// What plmd is doing, as it writes it to `<data-dir>/status.json` every ~2 s (atomically: a temporary file, then
/// a rename) and as `plm status` reads it back.
public struct DaemonStatus: Codable, Sendable, Equatable {
    public var state: DaemonState
    /// The night being recorded, YYYY-MM-DD (the date of its evening), if any.
    public var night: String?
    /// The night's recording (.plmrec), absolute path.
    public var recording: String?
    /// When this status was written, µs since the Unix epoch.
    public var updatedUnixMicroseconds: Int64
    /// When the daemon process started, µs since the Unix epoch.
    public var daemonStartedUnixMicroseconds: Int64
    /// Process id of the daemon.
    public var pid: Int32
    public var sensors: [Sensor]
    /// Leg movements the live detector has found so far this night (a causal estimate; the nightly summary is
    /// computed from the recording at the night's end).
    public var liveLegMovements: Int
    /// Minutes of the night so far that the live detector has seen (both legs aligned by sample count).
    public var liveMinutes: Double
    /// Live minutes in which at least one leg had no data.
    public var liveMinutesMissing: Double
    /// Bytes written to the recording by this daemon process.
    public var bytesWritten: Int64
    /// The recording's size on disk, bytes.
    public var recordingBytes: Int64
    /// Last successful flush (fsync) of the recording, µs since the Unix epoch.
    public var lastFlushUnixMicroseconds: Int64?
    /// The last write error (e.g. the disk is full), nil once writing works again.
    public var writeError: String?
    /// When the night will end at the latest (the morning time), µs since the Unix epoch.
    public var morningUnixMicroseconds: Int64?

    /// One sensor as the daemon sees it.
    public struct Sensor: Codable, Sendable, Equatable {
        public var serial: String
        /// `left`, `right` or `unknown`.
        public var side: String
        public var connected: Bool
        /// Good frames received this night (by this daemon process).
        public var frames: Int
        /// Samples in them (per axis).
        public var samples: Int
        /// 64-byte slices whose CRC did not match.
        public var crcErrors: Int
        /// Frames lost for good (sequence numbers that never arrived), recorded as gaps.
        public var framesLost: Int
        /// Gap records written for this sensor.
        public var gaps: Int
        /// STALLs cleared on its bulk endpoint.
        public var stallsRecovered: Int
        /// Times it was (re)attached this night.
        public var attaches: Int
        /// Reception time of its last frame, µs since the Unix epoch.
        public var lastFrameUnixMicroseconds: Int64?
        /// Frames the sensor said it held when it was last attached (its backlog).
        public var backlogAtAttach: Int

        public init(serial: String, side: String) {
            self.serial = serial
            self.side = side
            connected = false
            frames = 0
            samples = 0
            crcErrors = 0
            framesLost = 0
            gaps = 0
            stallsRecovered = 0
            attaches = 0
            lastFrameUnixMicroseconds = nil
            backlogAtAttach = 0
        }
    }

    public init(state: DaemonState, pid: Int32, daemonStartedUnixMicroseconds: Int64) {
        self.state = state
        self.pid = pid
        self.daemonStartedUnixMicroseconds = daemonStartedUnixMicroseconds
        updatedUnixMicroseconds = daemonStartedUnixMicroseconds
        sensors = []
        liveLegMovements = 0
        liveMinutes = 0
        liveMinutesMissing = 0
        bytesWritten = 0
        recordingBytes = 0
    }

    /// The file name in the data folder.
    public static let fileName = "status.json"

    /// Stable JSON (sorted keys, snake_case).
    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        return try e.encode(self)
    }

    public static func decode(_ data: Data) throws -> DaemonStatus {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return try d.decode(DaemonStatus.self, from: data)
    }

    /// Writes the status atomically into `folder` (a temporary file beside it, then a rename). When that fails —
    /// a full disk has no room for the temporary copy, and the data folder is where the recording fills it — the
    /// existing file is rewritten in place (its blocks are already allocated), so that `plm status` still shows
    /// what plmd is doing, its `write_error` first of all. In place is not atomic: a reader may catch it half
    /// written (then it is not valid JSON, and the next status, ~2 s later, is whole).
    public func write(into folder: URL) throws {
        try write(into: folder) { data, url in try data.write(to: url, options: .atomic) }
    }

    /// `write(into:)` with the atomic replacement injectable (tests make it fail as on a full disk).
    func write(into folder: URL, replace: (Data, URL) throws -> Void) throws {
        let data = try encoded()
        let url = folder.appendingPathComponent(DaemonStatus.fileName)
        do { try replace(data, url) } catch {
            guard Self.rewriteInPlace(data, url) else { throw error }
        }
    }

    /// Overwrites an existing regular file from its start and cuts it to `data`'s length; false when there is no
    /// such file or a write fails.
    static func rewriteInPlace(_ data: Data, _ url: URL) -> Bool {
        let fd = open(url.path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        let written = data.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return true }
            var offset = 0
            while offset < raw.count {
                let n = pwrite(fd, base + offset, raw.count - offset, off_t(offset))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
        return written && ftruncate(fd, off_t(data.count)) == 0
    }
}
