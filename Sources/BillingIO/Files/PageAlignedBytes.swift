/// Bytes made once at a size known first, in memory that starts on a 4 KiB boundary: what
/// `DirectWriter` hands the disk as they are (`O_DIRECT` takes only aligned memory). Pass 2's ids
/// files and their indexes are rendered straight into them (decision 83); in an array they were
/// copied once more, into an aligned buffer, by the writer's threads (1.2 % of ingest's CPU time
/// at 100M events).
///
/// Never changed once rendered, so the writer's threads read it as it is (`@unchecked Sendable`).
final class PageAlignedBytes: RenderedBytes, @unchecked Sendable {
    /// The memory's alignment: the block `O_DIRECT` asks of memory.
    static var alignment: Int { DirectWriter.block }
    private let start: UnsafeMutableRawPointer
    let count: Int

    init(count: Int, rendering render: (UnsafeMutablePointer<UInt8>) -> Void) {
        self.count = count
        start = .allocate(byteCount: max(count, 1), alignment: PageAlignedBytes.alignment)
        render(start.bindMemory(to: UInt8.self, capacity: max(count, 1)))
    }

    deinit { start.deallocate() }

    /// Calls `body` with the bytes (read only), this object kept alive meanwhile: a pointer into
    /// it is valid only while it lives.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(UnsafeRawBufferPointer(start: start, count: count)) }
    }
}
