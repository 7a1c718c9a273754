import AccelerationSignal
import CSVFormat
import Foundation
import PLMVocabulary
import ScoreExport

/// Writes frames as plm's acceleration CSV (docs/recording-format.md, section 3): `time` in seconds from the first
/// frame, then three columns per leg in g; a missing sample is an empty field. Atomic (temporary file, rename).
public enum CSVExport {
    /// How values are written.
    public enum Values: Sendable {
        /// Fixed decimals (the simulator's CSV: six).
        case fixed(Int)
        /// The shortest decimal that reads back as the same single-precision value (lossless; `Float.description`,
        /// e.g. `0.001953125`, `-1.25`, `1e-05`).
        case exact
    }

    /// - Parameters:
    ///   - timeDecimals: decimals of the `time` column (the simulator writes 4; a conversion 6, so the times of any
    ///     rate up to 4096 Hz are within 0.5 µs).
    ///   - finalLineEnd: whether the last row ends with `\n` (the simulator's CSV has never had one).
    public static func write<S: FrameSource>(
        _ source: inout S, to url: URL, timeDecimals: Int = 4, values: Values = .fixed(6), finalLineEnd: Bool = false
    ) throws {
        let legs = source.description.legs
        let rate = source.description.sampleRate
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: tmp.path)
        else {
            throw InputError(file: url.path, message: "cannot create the temporary file \(tmp.path)")
        }
        var done = false
        defer {
            try? handle.close()
            if !done { try? FileManager.default.removeItem(at: tmp) }
        }
        // Rows are collected into about 1 MB of text at a time.
        var text = ""
        func flushText() throws {
            do { try handle.write(contentsOf: Data(text.utf8)) } catch {
                throw InputError(file: url.path, message: "cannot write (\(error.localizedDescription))")
            }
            text = ""
        }
        func append(_ fields: [String]) throws {
            if text.utf8.count > 1 << 20 { try flushText() }
            text += CSVWriter.row(fields)
        }
        var header = ["time"]
        for leg in legs { let n = leg.name; header += ["\(n)_x", "\(n)_y", "\(n)_z"] }
        try append(header)
        var buffer: [Float] = []
        var frame = 0
        while true {
            buffer.removeAll(keepingCapacity: true)
            let n = try source.read(into: &buffer, maxFrames: 4096)
            if n == 0 { break }
            for i in 0..<n {
                var row = [NumberFormat.fixed(Double(frame + i) / rate, decimals: timeDecimals)]
                for leg in legs {
                    let o = TwoLegFrame.channels * i + TwoLegFrame.offset(of: leg)
                    for c in 0..<3 {
                        let v = buffer[o + c]
                        if !v.isFinite {
                            row.append("")
                        } else {
                            switch values {
                            case .fixed(let decimals): row.append(NumberFormat.fixed(Double(v), decimals: decimals))
                            case .exact: row.append(v.description)
                            }
                        }
                    }
                }
                try append(row)
            }
            frame += n
        }
        if !finalLineEnd, text.hasSuffix("\n") { text.removeLast() }
        try flushText()
        do { try handle.synchronize() } catch {
            throw InputError(file: url.path, message: "cannot write (\(error.localizedDescription))")
        }
        try? handle.close()
        guard rename(tmp.path, url.path) == 0 else {
            throw InputError(file: url.path, message: "cannot rename the finished file into place")
        }
        done = true
    }
}
