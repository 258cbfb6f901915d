import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes new files past the page cache (`O_DIRECT`), on threads of its own, for files that a
/// later `sync` makes durable and that nothing reads back soon: pass 2's ids files and their
/// indexes (decision 73).
///
/// Through the page cache, each page of such a file is first taken from free memory, which on
/// this machine (a virtual machine that reports freed memory to its host) the host must back
/// afresh, then copied into, then written back: at 100M events (3.45 GB of ids files) that cost
/// pass 2 about 3 s, and ingest 7 s of kernel time. Written directly, the disk takes the bytes
/// from the writer's own buffer, and the thread that made them goes on while the disk works.
///
/// Files go to `lanes` serial queues in turn: a write past the page cache waits for the disk (about
/// 1 ms for an ids file at 10M events), and two at once keep up with pass 2's workers where one did
/// not. A file's bytes come in aligned memory (`PageAlignedBytes`, decision 83) and its whole 4 KiB
/// blocks are written from there; its last partial block goes through the page cache. Where the file
/// system refuses `O_DIRECT` (or the platform has no such flag), a file is written by
/// `FileSystem.writeScratch`, as before.
final class DirectWriter: @unchecked Sendable {
    /// One serial queue per lane.
    private let queues: [DispatchQueue]
    private let nextLane = Atomic(0)
    private let state = Mutex(State())
    /// Signalled once per waiting `write` as queued bytes are written.
    private let written = DispatchSemaphore(value: 0)
    private let limit: Int
    private let direct: Bool

    struct State {
        /// Bytes queued and not written yet, and the `write`s waiting for them to drop.
        var queued = 0
        var waiting = 0
        var failure: Error?
        /// Files written past the page cache (all but their last partial block).
        var directFiles = 0
    }

    /// The most bytes one `write` hands the disk: 1 MiB is what this disk takes fastest past the
    /// page cache (1.8 GB/s, against 640 MB/s in 64 KiB).
    static let chunk = 1 << 20
    /// The alignment `O_DIRECT` asks of memory, offsets and lengths (this disk's block is 512
    /// bytes; 4 KiB covers disks of larger blocks).
    static let block = 4096

    /// - Parameters:
    ///   - lanes: files written at once.
    ///   - limit: bytes queued at most (a file larger than that is queued when nothing else is);
    ///     `write` waits until there is room.
    ///   - direct: false writes every file through the page cache (as where `O_DIRECT` is refused).
    init(lanes: Int = 2, limit: Int = 32 << 20, direct: Bool = true) {
        queues = (0..<max(1, lanes)).map { DispatchQueue(label: "billing.direct-writer.\($0)") }
        self.limit = limit
        self.direct = direct && DirectWriter.flag != 0
    }

    /// Queues `bytes` to be written to the new file `path` (created, or truncated if it exists);
    /// waits while the queue is full. After a failure, files not yet started are not written.
    func write(_ path: String, _ bytes: PageAlignedBytes) {
        let count = bytes.count
        while !state.withLock({ s in
            let room = s.queued == 0 || s.queued + count <= limit
            if room { s.queued += count } else { s.waiting += 1 }
            return room
        }) { written.wait() }
        let lane = nextLane.add(1, ordering: .relaxed).oldValue % queues.count
        queues[lane].async { [self] in
            if state.withLock({ $0.failure == nil }) {
                do {
                    let wasDirect = try writeFile(path, bytes)
                    if wasDirect { state.withLock { $0.directFiles += 1 } }
                } catch {
                    state.withLock { $0.failure = $0.failure ?? error }
                }
            }
            let waiting = state.withLock { s in
                s.queued -= count
                defer { s.waiting = 0 }
                return s.waiting
            }
            for _ in 0..<waiting { written.signal() }
        }
    }

    /// Waits for every queued file, and throws the first failure, if any.
    func finish() throws {
        for queue in queues { queue.sync {} }
        if let error = state.withLock({ $0.failure }) { throw error }
    }

    /// How many files were written past the page cache so far (after `finish`, all of them).
    var directFiles: Int { state.withLock { $0.directFiles } }

    /// Linux's `O_DIRECT`, which Swift's Glibc module does not declare (its value depends on the
    /// architecture); 0 where it is not known.
    #if arch(x86_64) || arch(i386)
        static let flag: Int32 = 0o40000
    #elseif arch(arm64)
        static let flag: Int32 = 0o200000
    #else
        static let flag: Int32 = 0
    #endif

    /// Writes one file; whether all its whole blocks (at least one) went past the page cache.
    private func writeFile(_ path: String, _ bytes: PageAlignedBytes) throws -> Bool {
        let fd = direct ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | DirectWriter.flag, 0o644) : -1
        guard fd >= 0 else {
            if direct && errno != EINVAL { throw FileSystem.failure("cannot create", path) }
            try bytes.withBytes { try FileSystem.writeScratch(path, $0) }
            return false
        }
        defer { close(fd) }
        var isDirect = true
        let whole = bytes.count & ~(DirectWriter.block - 1)
        try bytes.withBytes { all in
            var offset = 0
            while isDirect && offset < whole {
                let n = min(DirectWriter.chunk, whole - offset)
                let w = pwrite(fd, all.baseAddress! + offset, n, off_t(offset))
                if w < 0 && errno == EINTR { continue }
                if w < 0 && errno != EINVAL { throw FileSystem.failure("cannot write", path) }
                // Refused (EINVAL), or a short write that may leave the offset unaligned: the
                // rest goes through the page cache.
                if w > 0 { offset += w }
                if w != n { isDirect = false }
            }
            // The last partial block (or all that a write refused) through the page cache.
            if offset < all.count {
                guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~DirectWriter.flag) == 0, lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
                    throw FileSystem.failure("cannot write", path)
                }
                try FileSystem.writeAll(fd, UnsafeRawBufferPointer(rebasing: all[offset...]), path)
                FileSystem.startWriteback(fd, offset: offset, length: all.count - offset)
            }
        }
        return isDirect && whole > 0
    }
}
