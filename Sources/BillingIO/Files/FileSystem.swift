import BillingCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The few file operations the pipeline needs, on POSIX calls, so that durability is explicit:
/// whole-file reads, atomic replacement of run outputs (temp file, fsync, rename), the writes of a
/// ledger commit (made durable together by `syncAll`), appends, and folder listing. Every failure
/// is a `StageFailure.io`.
public enum FileSystem {
    /// Fault injection for crash tests, read from the environment once:
    /// - `BILLING_FAULT_KILL_AFTER=k`: the process kills itself (SIGKILL, like a power cut) right
    ///   after its k-th durable write;
    /// - `BILLING_FAULT_TEAR_AT=k:n`: the k-th durable write writes only its first n bytes (n modulo
    ///   its length) and the process kills itself.
    /// Behind a lock: a commit stages files from several threads, and the k-th write is whichever
    /// finishes k-th (the others are cut where they are, as in a real crash).
    struct Faults {
        var writesLeft: Int? = getenv("BILLING_FAULT_KILL_AFTER").flatMap { Int(String(cString: $0)) }
        var tear: (at: Int, bytes: Int)? = getenv("BILLING_FAULT_TEAR_AT").flatMap {
            let parts = String(cString: $0).split(separator: ":").compactMap { Int($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        var writesSeen = 0
    }
    static let faults = Mutex(Faults())
    /// Whether any fault is armed (read without the lock on the fast path).
    static let faultsArmed = faults.withLock { $0.writesLeft != nil || $0.tear != nil }

    /// Called before each durable write: tears it if the fault says so (never returns then).
    static func maybeTear(_ fd: Int32, _ bytes: [UInt8]) {
        guard faultsArmed else { return }
        faults.withLock { f in
            f.writesSeen += 1
            guard let t = f.tear, t.at == f.writesSeen else { return }
            let n = bytes.isEmpty ? 0 : t.bytes % bytes.count
            _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, n) }
            kill(getpid(), SIGKILL)
        }
    }

    static func durableWriteDone() {
        guard faultsArmed else { return }
        faults.withLock { f in
            guard let left = f.writesLeft else { return }
            if left <= 1 { kill(getpid(), SIGKILL) }
            f.writesLeft = left - 1
        }
    }

    static func failure(_ what: String, _ path: String) -> StageFailure {
        .io("\(path): \(what): \(String(cString: strerror(errno)))")
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func size(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { throw failure("cannot stat", path) }
        return Int(st.st_size)
    }

    /// The whole file as bytes.
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", path) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw failure("cannot read", path) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    public static func readText(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Creates `path` and its parents.
    public static func createDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if !isDirectory(prefix) && mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw failure("cannot create folder", prefix)
            }
            prefix += "/"
        }
    }

    /// Names in a folder, sorted, without `.` and `..`; empty if the folder does not exist.
    public static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw failure("cannot list", path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, path) }
    }

    /// Reads `count` bytes at `offset` of `fd` into `buffer` (a `pread` may return fewer, or be
    /// interrupted); returns how many it read: fewer only where the file ends.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int, _ path: String) throws -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + done))
            if n < 0 { if errno == EINTR { continue }; throw failure("cannot read", path) }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes every byte (a `write` may take fewer, or be interrupted), at most `writeChunk` bytes
    /// a call.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, min(bytes.count - offset, writeChunk))
            if n < 0 { if errno == EINTR { continue }; throw failure("cannot write", path) }
            offset += n
        }
    }

    /// The most bytes `writeAll` hands the kernel in one `write` (decision 67). This machine's
    /// kernel (6.18) caches a file in folios as large as each write allows, and a large folio is
    /// taken whole from free memory that the host no longer backs: 256 files of 5.6 MB (pass 2's
    /// ids files at 40M events) took 1.9–2.9 s of kernel time written one `write` each, and
    /// 0.39–0.54 s in writes of 64 KiB to 1 MiB.
    static let writeChunk = 256 << 10

    /// Creates `temp` (which must not exist), writes `bytes` and fsyncs it; removes it on failure.
    static func writeSynced(_ temp: String, _ bytes: [UInt8], mode: mode_t, tearable: Bool = false) throws {
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("cannot create", temp) }
        defer { close(fd) }
        if tearable { maybeTear(fd, bytes) }
        do {
            try writeAll(fd, bytes, temp)
            guard fsync(fd) == 0 else { throw failure("cannot sync", temp) }
        } catch {
            unlink(temp)
            throw error
        }
    }

    static func syncDirectory(of path: String) throws {
        let dir = parent(path)
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open folder", dir) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot sync folder", dir) }
    }

    /// The folder of `path` ("." for a bare name). The separator is found as a byte, as the
    /// kernel finds it: searching the text by `Character` cost about a microsecond a path, and a
    /// ledger commit asks this of every document path (300k a month at 100k customers).
    public static func parent(_ path: String) -> String {
        let bytes = path.utf8
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == bytes.startIndex ? "/" : String(path[..<slash])
    }

    /// Replaces a derived output file atomically (temp file, fsync, rename): for run outputs under
    /// `OUTPUT/`, which are recomputed, never for ledger documents.
    public static func replace(_ path: String, _ bytes: [UInt8]) throws {
        let temp = path + ".tmp"
        unlink(temp)
        try writeSynced(temp, bytes, mode: 0o644, tearable: true)
        guard rename(temp, path) == 0 else { throw failure("cannot rename into place", path) }
        try syncDirectory(of: path)
        durableWriteDone()
    }

    /// Opens `path` for writing with `flags`, writes what `produce` hands over (its first chunk
    /// can be torn by fault injection), and counts one durable write; no fsync of its own.
    private static func writeCounted(
        _ path: String, flags: Int32, mode: mode_t, _ produce: (([UInt8]) throws -> Void) throws -> Void
    ) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode)
        guard fd >= 0 else { throw failure(flags & O_APPEND != 0 ? "cannot open for append" : "cannot create", path) }
        defer { close(fd) }
        var first = true
        try produce { chunk in
            if first { maybeTear(fd, chunk); first = false }
            try writeAll(fd, chunk, path)
        }
        durableWriteDone()
    }

    /// `replace` for an output too large to hold: `produce` hands over its bytes chunk by chunk.
    public static func replace(_ path: String, produce: ((([UInt8]) throws -> Void)) throws -> Void) throws {
        let temp = path + ".tmp"
        unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create", temp) }
        do {
            defer { close(fd) }
            var buffer: [UInt8] = []
            var first = true
            var written = 0
            func flush() throws {
                if first { maybeTear(fd, buffer); first = false }
                try writeAll(fd, buffer, temp)
                startWriteback(fd, offset: written, length: buffer.count)
                written += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
            try produce { chunk in
                buffer += chunk
                if buffer.count >= 1 << 20 { try flush() }
            }
            try flush()
            guard fsync(fd) == 0 else { throw failure("cannot sync", temp) }
        } catch {
            unlink(temp)
            throw error
        }
        guard rename(temp, path) == 0 else { throw failure("cannot rename into place", path) }
        try syncDirectory(of: path)
        durableWriteDone()
    }

    /// Creates a new file of a commit (read-only, no fsync of its own: `syncAll` follows once
    /// for the whole commit, before its commit point). The file must not exist.
    public static func writeInCommit(_ path: String, _ bytes: [UInt8]) throws {
        try writeCounted(path, flags: O_EXCL, mode: 0o444) { try $0(bytes) }
    }

    /// Appends to a staged file of a commit (created if needed; no fsync of its own).
    public static func appendStaged(_ path: String, _ bytes: [UInt8]) throws {
        try writeCounted(path, flags: O_APPEND, mode: 0o644) { try $0(bytes) }
    }

    /// Copies `source` into a new file of a commit, 1 MiB at a time (read-only, no fsync of its
    /// own). The file must not exist.
    public static func copyInCommit(from source: String, to path: String) throws {
        try writeCounted(path, flags: O_EXCL, mode: 0o444) { try forEachChunk(of: source, $0) }
    }

    /// Gives a commit the file `source` as a new file at `path`, without copying its bytes: a hard
    /// link, after `source` is made read-only (both names are then one read-only file, like every
    /// ledger file). For a finished output of this program that it never writes again (a run
    /// output is replaced by renaming a new file over it, never rewritten in place): the month's
    /// usage contribution, hundreds of MB at 10M events, was copied into the ledger byte by byte.
    /// Where a link cannot be made (another file system, one without links, `source` not this
    /// user's) it is copied as `copyInCommit` does. The file must not exist.
    public static func linkInCommit(from source: String, to path: String) throws {
        if chmod(source, 0o444) == 0 && link(source, path) == 0 {
            durableWriteDone()
            return
        }
        switch errno {
        case EXDEV, EPERM, EMLINK, EOPNOTSUPP, EACCES: try copyInCommit(from: source, to: path)
        default: throw failure("cannot link to \(source)", path)
        }
    }

    /// Calls `body` with successive chunks (up to 1 MiB) of the file at `path`.
    static func forEachChunk(of path: String, _ body: ([UInt8]) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", path) }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw failure("cannot read", path) }
            if n == 0 { break }
            try body(n == chunk.count ? chunk : Array(chunk[0..<n]))
        }
    }

    /// The lower-case hex SHA-256 of a file, read 1 MiB at a time.
    public static func sha256Hex(of path: String) throws -> String {
        var h = SHA256()
        try forEachChunk(of: path) { h.update($0) }
        return h.finalize().hexString
    }

    /// Moves a staged file into place, inside a commit whose redo record is durable (the redo of a
    /// format-2 record, which staged its files).
    public static func moveInCommit(_ source: String, to path: String) throws {
        guard rename(source, path) == 0 else { throw failure("cannot rename into place", path) }
        durableWriteDone()
    }

    /// Appends the contents of the file `source`, without fsync, inside a commit (`syncAll` follows).
    public static func appendInCommit(_ path: String, contentsOf source: String) throws {
        try writeCounted(path, flags: O_APPEND, mode: 0o644) { try forEachChunk(of: source, $0) }
    }

    /// Writes a scratch or staging file of a derived output (created or truncated, no fsync: a
    /// `replaceFolder` makes the whole folder durable at once), and starts its writeback.
    public static func writeScratch(_ path: String, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeScratch(path, $0) }
    }

    /// `writeScratch` of bytes in memory of the caller's.
    static func writeScratch(_ path: String, _ bytes: UnsafeRawBufferPointer) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create", path) }
        defer { close(fd) }
        try writeAll(fd, bytes, path)
        startWriteback(fd, offset: 0, length: bytes.count)
    }

    /// Starts writing the given bytes of a file to disk, without waiting, for a file that a
    /// `sync` or `fsync` makes durable later: the disk then works while the program does, and
    /// the sync finds little left (ingest's ids files, 350 MB at 10M events, waited 0.2–0.4 s in
    /// the `sync` after pass 2; see docs/decisions.md). `posix_fadvise(DONTNEED)` is the call
    /// that does it: Linux starts the writeback of the range's dirty pages, then drops only its
    /// clean pages, and pages just written are dirty or being written, so they stay cached.
    /// (`sync_file_range`, the call made for this, is not in the toolchain's Glibc module.)
    static func startWriteback(_ fd: Int32, offset: Int, length: Int) {
        // A length of 0 would mean "to the end of the file".
        guard length > 0 else { return }
        _ = posix_fadvise(fd, off_t(offset), off_t(length), POSIX_FADV_DONTNEED)
    }

    /// Replaces the derived output folder `path` by the fully written folder `temp`: one `sync`,
    /// then the old folder is removed and `temp` renamed into place.
    public static func replaceFolder(_ path: String, with temp: String) throws {
        try syncAll(parent(temp))
        try removeTree(path)
        guard rename(temp, path) == 0 else { throw failure("cannot rename into place", path) }
        try syncDirectory(of: path)
        durableWriteDone()
    }

    /// Removes a folder and everything in it; nothing if it does not exist.
    public static func removeTree(_ path: String) throws {
        guard isDirectory(path) else { return }
        for name in try list(path) {
            let child = join(path, name)
            if isDirectory(child) { try removeTree(child) } else { try remove(child) }
        }
        if rmdir(path) != 0 && errno != ENOENT { throw failure("cannot remove folder", path) }
    }

    /// Writes every file system's dirty data to disk (`sync`), for a thread that only starts the
    /// work early: what must be durable is synced again by `syncAll`.
    static func startSync() { sync() }

    /// Flushes every pending write to disk: POSIX `sync()` (Linux waits for it to finish), once per
    /// commit instead of an fsync per file. (`syncfs`, which would limit it to one file system, is
    /// a GNU extension the toolchain's Glibc module does not export.)
    public static func syncAll(_ path: String) throws {
        sync()
        try syncDirectory(of: FileSystem.join(path, "."))
    }

    /// Cuts an append-only file back to `length` bytes (to undo a torn append before redoing it).
    public static func truncate(_ path: String, to length: Int) throws {
        guard Glibc.truncate(path, off_t(length)) == 0 else { throw failure("cannot truncate", path) }
        durableWriteDone()
    }

    /// Appends bytes and fsyncs; creates the file if needed.
    public static func append(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot open for append", path) }
        defer { close(fd) }
        try writeAll(fd, bytes, path)
        guard fsync(fd) == 0 else { throw failure("cannot sync", path) }
        durableWriteDone()
    }

    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw failure("cannot remove", path) }
    }

    /// Bytes free for this user on the file system holding `path`, or nil if it cannot be told.
    public static func freeBytes(_ path: String) -> Int? {
        var fs = statvfs()
        return statvfs(path, &fs) == 0 ? Int(fs.f_bavail) * Int(fs.f_frsize) : nil
    }

    /// `base/relative`, or `relative` if it is absolute.
    public static func join(_ base: String, _ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        if base.isEmpty || base == "." { return relative }
        return base.hasSuffix("/") ? base + relative : base + "/" + relative
    }
}
