import Foundation

/// File-system facts about a store and the lock that serialises its setup across processes.
enum StoreFile {
    /// The file's permission bits, nil when it cannot be examined.
    static func mode(_ path: String) -> UInt32? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt32(st.st_mode) & 0o7777
    }

    /// Whether plm may write the store at `path`: its owner write bit is set (a user who took it away meant it),
    /// this process may write it and its folder (SQLite's `-wal` and `-shm` live beside it), and the file system
    /// is not mounted read-only.
    static func writable(_ path: String) -> Bool {
        guard let mode = mode(path), mode & 0o200 != 0 else { return false }
        let folder = (path as NSString).deletingLastPathComponent
        guard access(path, W_OK) == 0, access(folder.isEmpty ? "." : folder, W_OK) == 0 else { return false }
        var fs = statvfs()
        if statvfs(path, &fs) == 0, fs.f_flag & UInt(ST_RDONLY) != 0 { return false }
        return true
    }

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }

    /// An exclusive `flock` on `<store>.lock`, held while one process creates or migrates the store. The lock is
    /// released by `release()` or, if the process dies, by the kernel; the file itself stays (an empty file).
    final class SetupLock {
        private var fd: Int32

        init(path: String, timeout: Double) throws {
            fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw StoreError("\(path): cannot open the store's lock file (\(String(cString: strerror(errno))))")
            }
            let deadline = Date().addingTimeInterval(timeout)
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let e = errno
                guard e == EWOULDBLOCK || e == EINTR else {
                    close(fd)
                    fd = -1
                    throw StoreError("\(path): cannot lock the store (\(String(cString: strerror(e))))")
                }
                if Date() >= deadline {
                    close(fd)
                    fd = -1
                    throw StoreError(
                        "\(path): another process has been setting up the store for \(Int(timeout)) s; try again")
                }
                usleep(20_000)
            }
        }

        func release() {
            guard fd >= 0 else { return }
            _ = flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }

        deinit { release() }
    }
}
