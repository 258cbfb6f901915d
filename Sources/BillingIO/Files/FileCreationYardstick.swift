#if canImport(Glibc)
    import Glibc
#endif

/// The benchmark's second yardstick: the invoice stage's files created again, bare. The same
/// number of files with the same names and sizes go into one new folder on the same file system,
/// each created exclusively and read-only, written and closed (the system calls a ledger commit
/// makes per file), then everything is synced once, as the commit does. No rendering, no digest,
/// no intent list, no existence check: what the kernel alone needs for the month's documents,
/// which the invoice stage cannot beat.
public enum FileCreationYardstick {
    /// What one run measured.
    public struct Result: Sendable {
        public var files = 0
        public var bytes = 0
        /// Milliseconds to create, write and close every file, and then for the one `sync`.
        public var createMilliseconds = 0
        public var syncMilliseconds = 0
    }

    /// Creates in `target` (a folder that must not exist) a file for each file of `folder`, with
    /// its name and size, in name order; then syncs. Refuses when the disk has not room for them.
    public static func run(like folder: String, into target: String) throws -> Result {
        guard !FileSystem.exists(target) else { throw StageFailure.io("\(target): already exists") }
        let names = try FileSystem.list(folder)
        let sizes = try names.map { try FileSystem.size(FileSystem.join(folder, $0)) }
        // Refused rather than filling the disk: each file takes whole 4 KiB blocks.
        let needed = sizes.reduce(0) { $0 + ($1 + 4095) / 4096 * 4096 } + (64 << 20)
        if let free = FileSystem.freeBytes(FileSystem.parent(target)), free < needed {
            throw StageFailure.io("\(target): needs \(needed >> 20) MiB, \(free >> 20) MiB free")
        }
        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: sizes.max() ?? 0)
        try FileSystem.createDirectory(target)
        var result = Result(files: names.count, bytes: sizes.reduce(0, +))
        let t0 = PhaseClock.now()
        try filler.withUnsafeBytes { buffer in
            for (name, size) in zip(names, sizes) {
                let path = FileSystem.join(target, name)
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
                guard fd >= 0 else { throw FileSystem.failure("cannot create", path) }
                defer { close(fd) }
                var done = 0
                while done < size {
                    let n = write(fd, buffer.baseAddress! + done, size - done)
                    if n < 0 { if errno == EINTR { continue }; throw FileSystem.failure("cannot write", path) }
                    done += n
                }
            }
        }
        let t1 = PhaseClock.now()
        sync()
        let t2 = PhaseClock.now()
        result.createMilliseconds = t1 - t0
        result.syncMilliseconds = t2 - t1
        return result
    }
}
