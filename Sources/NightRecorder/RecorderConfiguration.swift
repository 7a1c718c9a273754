import Foundation

/// A configuration problem, naming the file (or flag) and the key.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How plmd records. Read from a JSON file (`plmd.json`, docs/daemon.md), then overridden by flags.
public struct RecorderConfiguration: Sendable, Equatable {
    /// Sample rate the sensors are configured to, Hz (25–200; the sensors accept 25, 50, 100, 200).
    public var rateHz: UInt16 = 100
    /// Accelerometer full scale, ± g (2, 4, 8 or 16).
    public var rangeG: UInt8 = 4
    /// Local time at which a night ends at the latest: hour 0–23 and minute 0–59 (default 07:30).
    public var morningHour = 7
    public var morningMinute = 30
    /// Rule profile for the nightly summary: `wasm2016`, `aasm` or a profile file (as `plm-replay --rules`).
    public var rules = "wasm2016"
    /// Data folder; nil: `$PLM_DATA_DIR`, else `$XDG_DATA_HOME/plm`, else `~/.local/share/plm`.
    public var dataDir: String?
    /// Longest time between fsyncs of the recording, seconds (at most 1: a crash costs at most this much).
    public var flushInterval = 1.0
    /// Time between clock anchors (GET_DEVICE_TIME) per sensor, seconds; anchors are also taken at every attach.
    public var anchorInterval = 10.0
    /// Time between writes of status.json, seconds.
    public var statusInterval = 2.0
    /// Rescan of the bus for arrivals and departures, seconds (hotplug events wake it earlier).
    public var rescanInterval = 2.0
    /// The night also ends when every sensor has been unplugged this long, minutes, at a time after
    /// `morning_time` minus `morning_window_h` hours.
    public var unpluggedEndMinutes = 10.0
    /// Hours before the morning time from which unplugging all sensors ends the night.
    public var morningWindowHours = 3.0
    /// Sides by serial number, overriding the side stored in a sensor (`left` or `right`).
    public var sensors: [String: String] = [:]

    public init() {}

    /// The keys a configuration file may hold.
    public static let keys: Set<String> = [
        "rate_hz", "range_g", "morning_time", "rules", "data_dir", "flush_interval_s", "anchor_interval_s",
        "status_interval_s", "rescan_interval_s", "unplugged_end_min", "morning_window_h", "sensors",
    ]

    /// The morning time as `HH:MM`.
    public var morningTime: String { String(format: "%02d:%02d", morningHour, morningMinute) }

    /// Parses `HH:MM`.
    public mutating func setMorningTime(_ text: String, source: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m)
        else { throw ConfigurationError("\(source): morning_time: expected HH:MM such as 07:30, found '\(text)'") }
        morningHour = h
        morningMinute = m
    }

    /// Reads a configuration file over the defaults. Unknown keys and wrong types are errors naming the file and
    /// the key.
    public static func load(file: URL) throws -> RecorderConfiguration {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) {
            let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
            guard !isDirectory.boolValue, attributes?[.type] as? FileAttributeType == .typeRegular else {
                throw ConfigurationError("\(file.path): expected a configuration file, found a folder or special file")
            }
        }
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw ConfigurationError("\(file.path): cannot read the configuration file (\(error.localizedDescription))")
        }
        return try parse(data, source: file.path)
    }

    /// Parses a configuration file's bytes over the defaults; `source` names the file in errors.
    public static func parse(_ data: Data, source: String) throws -> RecorderConfiguration {
        let members: [StrictJSON.Member]
        do { members = try StrictJSON.members([UInt8](data)) } catch {
            throw ConfigurationError("\(source): line \(error.line): \(error.message)")
        }
        // Whole-number keys must be written as whole numbers: 100.5 or 1e2 is not silently made 100.
        for m in members where RecorderConfiguration.wholeNumberKeys.contains(m.key) {
            let digits = m.raw.utf8.drop { $0 == UInt8(ascii: "-") }
            guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw ConfigurationError(
                    "\(source): line \(m.line): \(m.key): expected a whole number such as 100, found \(m.raw)")
            }
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ConfigurationError("\(source): not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = object as? [String: Any] else {
            throw ConfigurationError("\(source): expected a JSON object with keys such as \"rate_hz\"")
        }
        var c = RecorderConfiguration()
        try c.apply(dict, source: source)
        return c
    }

    /// Keys whose values are whole numbers.
    static let wholeNumberKeys: Set<String> = ["rate_hz", "range_g"]

    /// Applies the keys of a parsed configuration object.
    public mutating func apply(_ dict: [String: Any], source: String) throws {
        for key in dict.keys.sorted() where !Self.keys.contains(key) {
            throw ConfigurationError(
                "\(source): unknown key \"\(key)\" (known keys: \(Self.keys.sorted().joined(separator: ", ")))")
        }
        func number(_ key: String) throws -> Double? {
            guard let v = dict[key] else { return nil }
            guard let n = v as? NSNumber, n.doubleValue.isFinite else {
                throw ConfigurationError("\(source): \(key): expected a number")
            }
            return n.doubleValue
        }
        func whole(_ key: String) throws -> Int? {
            guard let v = try number(key) else { return nil }
            guard v.rounded() == v, abs(v) <= 1e9 else {
                throw ConfigurationError("\(source): \(key): expected a whole number, found \(v)")
            }
            return Int(v)
        }
        func string(_ key: String) throws -> String? {
            guard let v = dict[key] else { return nil }
            guard let s = v as? String else { throw ConfigurationError("\(source): \(key): expected a string") }
            return s
        }
        if let v = try whole("rate_hz") { rateHz = UInt16(clamping: v) }
        if let v = try whole("range_g") { rangeG = UInt8(clamping: v) }
        if let v = try string("morning_time") { try setMorningTime(v, source: source) }
        if let v = try string("rules") { rules = v }
        if let v = try string("data_dir") { dataDir = v }
        if let v = try number("flush_interval_s") { flushInterval = v }
        if let v = try number("anchor_interval_s") { anchorInterval = v }
        if let v = try number("status_interval_s") { statusInterval = v }
        if let v = try number("rescan_interval_s") { rescanInterval = v }
        if let v = try number("unplugged_end_min") { unpluggedEndMinutes = v }
        if let v = try number("morning_window_h") { morningWindowHours = v }
        if let v = dict["sensors"] {
            guard let map = v as? [String: Any] else {
                throw ConfigurationError("\(source): sensors: expected an object mapping serial numbers to left or right")
            }
            var out: [String: String] = [:]
            for (serial, side) in map {
                guard let s = side as? String, s == "left" || s == "right" else {
                    throw ConfigurationError("\(source): sensors: \(serial): expected \"left\" or \"right\"")
                }
                out[serial] = s
            }
            sensors = out
        }
        try validate(source: source)
    }

    /// Checks the values' ranges.
    public func validate(source: String) throws {
        guard [25, 50, 100, 200].contains(rateHz) else {
            throw ConfigurationError("\(source): rate_hz: expected 25, 50, 100 or 200, found \(rateHz)")
        }
        guard [2, 4, 8, 16].contains(rangeG) else {
            throw ConfigurationError("\(source): range_g: expected 2, 4, 8 or 16, found \(rangeG)")
        }
        guard flushInterval > 0, flushInterval <= 1 else {
            throw ConfigurationError("\(source): flush_interval_s: expected more than 0 and at most 1 s, found \(flushInterval)")
        }
        guard anchorInterval >= 1, anchorInterval <= 600 else {
            throw ConfigurationError("\(source): anchor_interval_s: expected 1 to 600 s, found \(anchorInterval)")
        }
        guard statusInterval > 0, statusInterval <= 10 else {
            throw ConfigurationError("\(source): status_interval_s: expected more than 0 and at most 10 s")
        }
        guard rescanInterval > 0 else { throw ConfigurationError("\(source): rescan_interval_s: expected more than 0") }
        guard unpluggedEndMinutes >= 0 else { throw ConfigurationError("\(source): unplugged_end_min: expected 0 or more") }
        guard morningWindowHours >= 0, morningWindowHours < 24 else {
            throw ConfigurationError("\(source): morning_window_h: expected 0 to 24")
        }
    }

    /// The data folder: `dataDir`, else `$PLM_DATA_DIR`, else `$XDG_DATA_HOME/plm`, else `~/.local/share/plm` (the
    /// rule of `NightStore.defaultURL`).
    public func dataFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let d = dataDir ?? environment["PLM_DATA_DIR"], !d.isEmpty { return URL(fileURLWithPath: d) }
        if let x = environment["XDG_DATA_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("plm") }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".local/share/plm")
    }

    /// The configuration file used when none is named: `$XDG_CONFIG_HOME/plm/plmd.json` (or
    /// `~/.config/plm/plmd.json`); for a system service (no home, `PLM_DATA_DIR` set) `/etc/plm/plmd.json`.
    public static func defaultFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty {
            return URL(fileURLWithPath: x).appendingPathComponent("plm/plmd.json")
        }
        if let h = environment["HOME"], !h.isEmpty, environment["PLM_DATA_DIR"] == nil {
            return URL(fileURLWithPath: h).appendingPathComponent(".config/plm/plmd.json")
        }
        return URL(fileURLWithPath: "/etc/plm/plmd.json")
    }
}
