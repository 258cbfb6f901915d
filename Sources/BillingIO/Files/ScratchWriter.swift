#if canImport(Glibc)
    import Glibc
#endif

/// A file that ingest writes as its data comes, through one buffer written out `flushSize` bytes
/// at a time, and reads back or moves into place later: pass 1's and pass 2's runs of rejects
/// (`UsageRejectRecord.Writer`), the ids files merged from runs (`UsageIDRuns`). Never synced by
/// itself: a scratch file is removed when ingest ends, and an ids file is made durable by the
/// `sync` after pass 2 (its writeback can be started as it is finished). The file is created by
/// the first flush, so a writer given nothing leaves no file.
final class ScratchWriter {
    let path: String
    private let flushSize: Int
    private let mode: mode_t
    private var bytes: [UInt8] = []
    private var fd: Int32 = -1
    /// The bytes written to the file so far.
    private(set) var written = 0

    init(path: String, flushSize: Int = 1 << 16, mode: mode_t = 0o600) {
        self.path = path
        self.flushSize = flushSize
        self.mode = mode
        bytes.reserveCapacity(flushSize + 256)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Whether nothing was appended.
    var isEmpty: Bool { written == 0 && bytes.isEmpty }

    /// Appends `b`; a piece of `flushSize` bytes or more goes to the file as it is, after what the
    /// buffer holds, without being copied into it.
    func append(_ b: UnsafeRawBufferPointer) throws {
        if b.count >= flushSize {
            try flush()
            try write(b)
            return
        }
        bytes.append(contentsOf: b)
        if bytes.count >= flushSize { try flush() }
    }

    /// Appends what `build` adds to the buffer (a record built in place).
    func append(_ build: (inout [UInt8]) -> Void) throws {
        build(&bytes)
        if bytes.count >= flushSize { try flush() }
    }

    /// Writes what is left and closes the file; with `startingWriteback`, first starts writing
    /// the whole file to disk (`FileSystem.startWriteback`), for a file a later `sync` makes durable.
    func finish(startingWriteback: Bool = false) throws {
        try flush()
        if fd >= 0 {
            if startingWriteback { FileSystem.startWriteback(fd, offset: 0, length: written) }
            close(fd)
            fd = -1
        }
    }

    private func flush() throws {
        guard !bytes.isEmpty else { return }
        try bytes.withUnsafeBytes { try write($0) }
        bytes.removeAll(keepingCapacity: true)
    }

    /// Writes `b` at the end of the file, creating it first if need be.
    private func write(_ b: UnsafeRawBufferPointer) throws {
        if fd < 0 {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
            guard fd >= 0 else { throw FileSystem.failure("cannot create", path) }
        }
        try FileSystem.writeAll(fd, b, path)
        written += b.count
    }
}
