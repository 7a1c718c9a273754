import Foundation

/// One plmd per data folder: an exclusive `flock` on `<data-dir>/plmd.lock`, held for the daemon's life, with the
/// holder's pid written into the file. The kernel drops the lock when the process ends however it ends (a crash,
/// `kill -9`), so a stale file never blocks the next start.
public final class DaemonLock: @unchecked Sendable {
    /// The lock file's name in the data folder.
    public static let fileName = "plmd.lock"

    public let url: URL
    private let lock = NSLock()
    private var fd: Int32

    /// Another plmd holds the folder.
    public struct HeldError: Error, CustomStringConvertible, Sendable {
        public var folder: String
        /// The holder's pid as its lock file says, when readable.
        public var pid: Int32?
        public var description: String {
            "another plmd\(pid.map { " (pid \($0))" } ?? "") is already recording into \(folder) "
                + "(it holds \(folder)/\(DaemonLock.fileName)); one plmd per data folder"
        }
    }

    public struct OpenError: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private init(url: URL, fd: Int32) {
        self.url = url
        self.fd = fd
    }

    /// Takes the folder's lock or throws `HeldError` naming the holder. The folder must exist.
    public static func acquire(folder: URL) throws -> DaemonLock {
        let url = folder.appendingPathComponent(fileName)
        let fd = open(url.path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw OpenError(description: "\(url.path): cannot open the daemon's lock file (\(String(cString: strerror(errno))))")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            if e == EINTR { continue }
            close(fd)
            if e == EWOULDBLOCK { throw HeldError(folder: folder.path, pid: holder(folder: folder)) }
            throw OpenError(description: "\(url.path): cannot lock (\(String(cString: strerror(e))))")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return DaemonLock(url: url, fd: fd)
    }

    /// The pid written in the folder's lock file (the last plmd that held it), nil when there is none.
    public static func holder(folder: URL) -> Int32? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(fileName).path),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Whether a process with this pid exists (signal 0: no signal sent, only the check).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Releases the lock (also done when the process ends).
    public func release() {
        lock.withLock {
            guard fd >= 0 else { return }
            _ = flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
