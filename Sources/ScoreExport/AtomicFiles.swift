import Foundation

/// Writes outputs so that none is ever seen half written and no output goes through a symbolic link that plm did
/// not create.
///
/// - `write(_:into:)`: a set of files into a folder: each goes to a temporary file created new (`O_EXCL |
///   O_NOFOLLOW`) in the same folder, is flushed to disk, and is renamed over its final name only after every file
///   of the set was written; then the folder is fsynced. A rename replaces a link at the final name, never
///   follows it.
/// - `writeFolder(_:_:)`: a night's output folder as a set: its files are written into a new temporary folder
///   beside it, flushed, and the folder is swapped into place in one step (`renameat2(RENAME_EXCHANGE)`, else
///   two renames), so a reader — or a crash — sees the old set or the new one, never a mix of two runs.
///   Leftovers of runs that crashed are removed first. A folder that is a symbolic link is refused.
public enum AtomicFiles {
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): cannot write (\(reason))" }
    }

    static var pid: Int32 { ProcessInfo.processInfo.processIdentifier }

    public static func write(_ files: [(name: String, contents: String)], into directory: URL) throws {
        try createFolders(directory)
        var staged: [(temp: URL, final: URL)] = []
        do {
            for file in files {
                let final = directory.appendingPathComponent(file.name)
                let temp = directory.appendingPathComponent(".\(file.name).\(pid).tmp")
                _ = unlink(temp.path)  // our own leftover of a crashed run with the same pid
                try writeNew(temp, Data(file.contents.utf8))
                staged.append((temp, final))
            }
            for s in staged {
                if rename(s.temp.path, s.final.path) != 0 {
                    throw WriteError(path: s.final.path, reason: String(cString: strerror(errno)))
                }
            }
            syncFolder(directory)
        } catch {
            for s in staged { _ = unlink(s.temp.path) }
            if let e = error as? WriteError { throw e }
            throw WriteError(path: directory.path, reason: error.localizedDescription)
        }
    }

    /// Creates a file that must not exist yet (never through a link), writes `data` and flushes it.
    public static func writeNew(_ url: URL, _ data: Data) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var offset = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WriteError(path: url.path, reason: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
    }

    /// Writes the output folder `folder` as a set: `fill` writes every file into the temporary folder it is given;
    /// then the files and the folder are flushed and the folder takes `folder`'s place. When `folder` exists and
    /// holds files that `fill` did not write (a folder of the user's, given as `--out`), those are kept: the new
    /// files are then renamed into it one by one (each atomically) instead of the folder being swapped.
    public static func writeFolder(_ folder: URL, _ fill: (URL) throws -> Void) throws {
        let folder = folder.standardizedFileURL
        let parent = folder.deletingLastPathComponent()
        let name = folder.lastPathComponent
        try createFolders(parent)
        var st = stat()
        let exists = lstat(folder.path, &st) == 0
        if exists {
            let kind = st.st_mode & S_IFMT
            if kind == S_IFLNK {
                throw WriteError(
                    path: folder.path,
                    reason: "it is a symbolic link; plm does not write through a link it did not create — remove it "
                        + "or give --out the folder it points to")
            }
            guard kind == S_IFDIR else { throw WriteError(path: folder.path, reason: "it exists and is not a folder") }
        }
        removeLeftovers(of: name, in: parent)
        if exists { removeStaleTemporaries(in: folder) }
        let staging = parent.appendingPathComponent(".\(name).plm-new-\(pid)")
        let retired = parent.appendingPathComponent(".\(name).plm-old-\(pid)")
        try? FileManager.default.removeItem(at: staging)
        try? FileManager.default.removeItem(at: retired)
        guard mkdir(staging.path, 0o777) == 0 else {
            throw WriteError(path: staging.path, reason: String(cString: strerror(errno)))
        }
        do {
            if exists { _ = chmod(staging.path, mode_t(st.st_mode & 0o7777)) }  // the folder keeps its mode
            try fill(staging)
            let written = try FileManager.default.contentsOfDirectory(atPath: staging.path).sorted()
            for file in written { try syncFile(staging.appendingPathComponent(file)) }
            syncFolder(staging)
            if !exists {
                guard rename(staging.path, folder.path) == 0 else {
                    throw WriteError(path: folder.path, reason: String(cString: strerror(errno)))
                }
                syncFolder(parent)
                return
            }
            let present = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
            // The process's working folder is never swapped away under it (`--out .`).
            let isWorkingFolder =
                URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.resolvingSymlinksInPath()
                .path == folder.resolvingSymlinksInPath().path
            if present.isSubset(of: Set(written)) && !isWorkingFolder {
                try swap(staging, folder, retired: retired)
                syncFolder(parent)
                try? FileManager.default.removeItem(at: retired)
            } else {
                for file in written {
                    guard rename(staging.appendingPathComponent(file).path, folder.appendingPathComponent(file).path) == 0
                    else { throw WriteError(path: folder.appendingPathComponent(file).path, reason: String(cString: strerror(errno))) }
                }
                syncFolder(folder)
                try? FileManager.default.removeItem(at: staging)
            }
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// Puts `new` in `folder`'s place: one atomic exchange where the kernel and file system offer it, else
    /// `folder` renamed aside to `retired` and `new` renamed in (a crash between the two leaves no folder, and the
    /// next run cleans both up). Afterwards the old set is at `retired`.
    static func swap(_ new: URL, _ folder: URL, retired: URL) throws {
        if let exchange = renameat2, exchange(AT_FDCWD, new.path, AT_FDCWD, folder.path, renameExchange) == 0 {
            guard rename(new.path, retired.path) == 0 else {
                throw WriteError(path: retired.path, reason: String(cString: strerror(errno)))
            }
            return
        }
        guard rename(folder.path, retired.path) == 0 else {
            throw WriteError(path: folder.path, reason: String(cString: strerror(errno)))
        }
        guard rename(new.path, folder.path) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(retired.path, folder.path)
            throw WriteError(path: folder.path, reason: reason)
        }
    }

    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    /// Linux's RENAME_EXCHANGE (linux/fs.h).
    static let renameExchange: UInt32 = 1 << 1
    /// glibc's renameat2 (2.28+), looked up at run time: Swift's Glibc module does not declare it.
    static let renameat2: RenameAt2? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    /// Removes `.NAME.plm-new-PID` and `.NAME.plm-old-PID` beside the folder, left by runs that died (their pid
    /// is gone) — never those of a run still going.
    static func removeLeftovers(of name: String, in parent: URL) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for entry in entries {
            for marker in [".\(name).plm-new-", ".\(name).plm-old-"] where entry.hasPrefix(marker) {
                guard let p = Int32(entry.dropFirst(marker.count)), p == pid || !alive(p) else { continue }
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))
            }
        }
    }

    /// Removes `.FILE.PID.tmp` inside a folder, left by `write(_:into:)` in runs that died.
    static func removeStaleTemporaries(in folder: URL) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for entry in entries where entry.hasPrefix(".") && entry.hasSuffix(".tmp") {
            let parts = entry.dropLast(4).split(separator: ".")
            guard let last = parts.last, let p = Int32(last), p != pid, !alive(p) else { continue }
            _ = unlink(folder.appendingPathComponent(entry).path)
        }
    }

    static func alive(_ p: Int32) -> Bool { p > 0 && (kill(p, 0) == 0 || errno == EPERM) }

    static func createFolders(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: directory.path, reason: error.localizedDescription)
        }
    }

    static func syncFile(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
    }

    /// fsync of a folder: makes its entries (renames, new files) durable.
    static func syncFolder(_ url: URL) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
