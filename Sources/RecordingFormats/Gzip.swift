import CZlib
import Foundation

/// Reads gzip-compressed recordings (`night.plmrec.gz`, `night.csv.gz`, `night.edf.gz`): the sample recordings
/// ship compressed. The file is inflated once into a temporary file next to the system's temp directory, which
/// the caller removes.
public enum Gzip {
    /// Inflates `url` into a new temporary file and returns its URL (named like `url` without `.gz`).
    public static func inflate(_ url: URL) throws -> URL {
        guard let input = gzopen(url.path, "rb") else {
            throw RecordingFormatError(file: url.path, message: "cannot open the gzip file")
        }
        defer { gzclose(input) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent(url.deletingPathExtension().lastPathComponent)
        guard FileManager.default.createFile(atPath: out.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: out.path)
        else {
            throw RecordingFormatError(file: out.path, message: "cannot create a temporary file")
        }
        defer { try? handle.close() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { gzread(input, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                throw RecordingFormatError(
                    file: url.path, location: "byte \(total) of the inflated data",
                    message: "corrupt gzip data")
            }
            if n == 0 { break }
            try handle.write(contentsOf: Data(buffer[0..<Int(n)]))
            total += Int(n)
        }
        return out
    }
}
