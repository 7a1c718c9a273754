import Foundation

/// Writes a set of files into a directory so that none is ever seen half written: each goes to a
/// temporary file in the same directory, is flushed to disk, and is renamed over its final name only
/// after every file of the set was written.
public enum AtomicFiles {
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): cannot write (\(reason))" }
    }

    public static func write(_ files: [(name: String, contents: String)], into directory: URL) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: directory.path, reason: error.localizedDescription)
        }
        var staged: [(temp: URL, final: URL)] = []
        do {
            for file in files {
                let final = directory.appendingPathComponent(file.name)
                let temp = directory.appendingPathComponent(".\(file.name).\(ProcessInfo.processInfo.processIdentifier).tmp")
                staged.append((temp, final))
                guard fm.createFile(atPath: temp.path, contents: nil) else {
                    throw WriteError(path: temp.path, reason: "cannot create the file")
                }
                let handle = try FileHandle(forWritingTo: temp)
                defer { try? handle.close() }
                try handle.write(contentsOf: Data(file.contents.utf8))
                try handle.synchronize()
            }
            for s in staged {
                if rename(s.temp.path, s.final.path) != 0 {
                    throw WriteError(path: s.final.path, reason: String(cString: strerror(errno)))
                }
            }
        } catch {
            for s in staged { try? fm.removeItem(at: s.temp) }
            if let e = error as? WriteError { throw e }
            throw WriteError(path: directory.path, reason: error.localizedDescription)
        }
    }
}
