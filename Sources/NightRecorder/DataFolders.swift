import Foundation

/// The daemon's folders: created owner-only (0700), as docs/daemon.md says — the recordings and the figures are
/// health data. An existing folder keeps the permissions its user gave it.
enum DataFolders {
    struct FolderError: Error, CustomStringConvertible, Sendable {
        var description: String
    }

    /// Creates `folder` (and missing parents) with mode 0700; an existing folder must be a folder.
    static func create(_ folder: URL) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw FolderError(description: "\(folder.path): exists and is not a folder") }
            return
        }
        let parent = folder.deletingLastPathComponent()
        if parent.path != folder.path, !FileManager.default.fileExists(atPath: parent.path) { try create(parent) }
        if mkdir(folder.path, 0o700) == 0 {
            // mkdir's mode is filtered by the umask; 0700 is what is meant.
            _ = chmod(folder.path, 0o700)
        } else if errno != EEXIST {
            throw FolderError(description: "\(folder.path): cannot create the folder (\(String(cString: strerror(errno))))")
        }
    }
}
