import CZlib
import EDFFormat
import Foundation
import PLMVocabulary

/// Reads gzip-compressed recordings (`night.plmrec.gz`, `night.csv.gz`, `night.edf.gz`): the sample recordings
/// ship compressed. The file is inflated once into a temporary folder in the system's temp directory, which the
/// caller removes; when inflating fails, nothing is left there.
public enum Gzip {
    /// Most bytes inflated from one file (8 GiB): a 48-hour recording at 200 Hz is under 2 GiB in any format
    /// read; more is a decompression bomb, not a night.
    public static let maxInflatedBytes = 8 << 30

    /// Inflates `url` into a new temporary file and returns its URL (named like `url` without `.gz`). Errors
    /// name `url`: a file that is not gzip, corrupt data, or a stream cut short (a truncated download).
    public static func inflate(_ url: URL) throws -> URL {
        try RegularFile.check(url)
        guard let input = gzopen(url.path, "rb") else {
            throw InputError(file: url.path, message: "cannot open the gzip file")
        }
        defer { gzclose(input) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            let out = dir.appendingPathComponent(url.deletingPathExtension().lastPathComponent)
            try copy(input, from: url, to: out)
            return out
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
    }

    private static func copy(_ input: gzFile, from url: URL, to out: URL) throws {
        guard FileManager.default.createFile(atPath: out.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: out.path)
        else {
            throw InputError(file: url.path, message: "cannot create a temporary file to inflate it into")
        }
        defer { try? handle.close() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { gzread(input, $0.baseAddress, UInt32($0.count)) }
            if total == 0, n > 0, gzdirect(input) != 0 {
                throw InputError(
                    file: url.path, location: .byte(0), message: "expected gzip data (bytes 1F 8B); this file is not gzip")
            }
            if n < 0 { throw failure(input, url, total) }
            if n == 0 { break }
            total += Int(n)
            guard total <= maxInflatedBytes else {
                throw InputError(
                    file: url.path,
                    message: "inflates to more than \(maxInflatedBytes >> 30) GiB; no recording is that large")
            }
            try handle.write(contentsOf: Data(buffer[0..<Int(n)]))
        }
        // A stream cut short ends reading without an error from gzread; gzerror tells.
        var code: Int32 = 0
        _ = gzerror(input, &code)
        if code != Z_OK { throw failure(input, url, total) }
    }

    private static func failure(_ input: gzFile, _ url: URL, _ total: Int) -> InputError {
        var code: Int32 = 0
        var text = gzerror(input, &code).map { String(cString: $0) } ?? ""
        if text.hasPrefix(url.path + ": ") { text.removeFirst(url.path.count + 2) }  // zlib names the file too
        let what = code == Z_BUF_ERROR ? "the gzip data ends early (a truncated file)" : "corrupt gzip data"
        return InputError(
            file: url.path, location: .byte(total), within: "the inflated data",
            message: what + (text.isEmpty ? "" : " (\(text))"))
    }
}
