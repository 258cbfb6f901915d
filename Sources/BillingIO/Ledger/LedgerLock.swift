#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on a ledger folder: `flock` on `LEDGER/lock`. The kernel drops it when the
/// holder exits or is killed, so a crashed run never leaves the ledger locked.
public final class LedgerLock {
    let fd: Int32

    public init(folder: String) throws {
        try FileSystem.createDirectory(folder)
        let path = FileSystem.join(folder, "lock")
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StageFailure.io("\(path): cannot open lock file: \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw StageFailure.io("\(folder): the ledger is in use by another run; wait for it to finish")
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
