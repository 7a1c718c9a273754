import Foundation

/// Checks that a path names a regular file (or a symbolic link to one) before a reader opens it: a folder, a FIFO
/// or a device would block or fail with an unhelpful system error.
public enum RegularFile {
    /// Nil when `path` is a readable regular file, else why it cannot be read as a recording.
    public static func problem(_ path: String) -> String? {
        var s = stat()
        guard stat(path, &s) == 0 else {
            return errno == ENOENT ? "no such file" : "cannot read the file (\(String(cString: strerror(errno))))"
        }
        switch s.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "expected a file, found a folder"
        case S_IFIFO: return "expected a regular file, found a FIFO (named pipe)"
        case S_IFCHR, S_IFBLK: return "expected a regular file, found a device"
        case S_IFSOCK: return "expected a regular file, found a socket"
        default: return "expected a regular file"
        }
    }
}
