#if canImport(Glibc)
    import Glibc
#endif

/// A table of fixed-size records, each starting on a 64-byte cache line, for records looked up at
/// random on the usage hot path: an `Array`'s elements start after its 32-byte header, so a
/// 64-byte record there straddles two cache lines and costs two misses, not one. Records of
/// another size keep the table's start aligned only. It grows by appending, like an array, but it
/// is a class: a worker owns its table, and updates a record in place through `update`.
///
/// A table of `hugePageBytes` or more is mapped on its own and advised to the kernel for 2 MiB
/// pages (decision 65): read at random, a table that large misses the processor's address
/// translation caches at almost every record with 4 KiB pages, and each of its 4 KiB pages costs a
/// fault when first written. This machine gives 2 MiB pages only to memory advised for them.
final class CacheLineTable<Element: BitwiseCopyable>: @unchecked Sendable {
    /// The memory (`calloc`'s, or a mapping of its own), and the records from its start on.
    private var block: HugePages.Block
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    /// The size from which a table is backed by 2 MiB pages: at 1M subscriptions ingest's tables
    /// (61 MiB of subscription records; a pass-2 worker's 188 MiB of tallies and 47 MiB of latest
    /// quantities) are, at 100k (6, 18 and 4 MiB) they are not. Below it, 2 MiB pages cost more
    /// than they save: with every allocation on them (zeroing a whole 2 MiB page for the first
    /// record written on it), ingest's setup at 10M events was slower (190 → 330 ms) and its
    /// passes no faster.
    static var hugePageBytes: Int { 32 << 20 }

    init(_ elements: [Element] = []) {
        capacity = Swift.max(16, elements.count)
        (block, base) = CacheLineTable.allocate(capacity)
        for e in elements { append(e) }
    }

    /// `count` records of all-zero bytes, which must be a valid `Element`. The memory comes from
    /// `calloc` (which maps a large block fresh from the kernel) or a mapping of its own, already
    /// zero: its pages take memory when a record on them is first written, not before (pass 2
    /// makes a record for every dense slot, of which a run may use few).
    init(zeroedCount count: Int) {
        capacity = Swift.max(16, count)
        (block, base) = CacheLineTable.allocate(capacity)
        self.count = count
    }

    /// `count` copies of `element`.
    init(repeating element: Element, count: Int) {
        capacity = Swift.max(16, count)
        (block, base) = CacheLineTable.allocate(capacity)
        base.initialize(repeating: element, count: count)
        self.count = count
    }

    /// A table of its own with the same records (for a value type built on one, before it changes
    /// a table it shares).
    func copy() -> CacheLineTable {
        let table = CacheLineTable(zeroedCount: 0)
        table.append(contentsOf: self)
        return table
    }

    deinit { block.release() }

    private static func allocate(_ capacity: Int) -> (HugePages.Block, UnsafeMutablePointer<Element>) {
        let bytes = capacity * MemoryLayout<Element>.stride
        let block = HugePages.Block(bytes, huge: bytes >= hugePageBytes)
        return (block, block.start.bindMemory(to: Element.self, capacity: capacity))
    }

    /// Record `i` (0 ≤ i < count).
    @inline(__always) subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count, "record index out of range")
        return base[i]
    }

    /// Where record 0 lies: on a 64-byte boundary, or on a 2 MiB one for a table of
    /// `hugePageBytes` or more (its tests check which).
    var start: UnsafeRawPointer { UnsafeRawPointer(base) }

    /// The first byte of record `i` (0 ≤ i < count): reading it ahead of a batch of updates brings
    /// their records into the cache with the misses overlapped.
    @inline(__always) func firstByte(_ i: Int) -> UInt8 {
        precondition(i >= 0 && i < count, "record index out of range")
        return MemoryLayout<Element>.size == 0 ? 0 : UnsafeRawPointer(base + i).load(as: UInt8.self)
    }

    /// Changes record `i` in place.
    @inline(__always) func update<R>(_ i: Int, _ body: (inout Element) -> R) -> R {
        precondition(i >= 0 && i < count, "record index out of range")
        return body(&base[i])
    }

    /// Replaces record `i`.
    @inline(__always) func set(_ i: Int, _ e: Element) {
        precondition(i >= 0 && i < count, "record index out of range")
        base[i] = e
    }

    func append(_ e: Element) {
        if count == capacity { reserve(capacity * 2) }
        (base + count).initialize(to: e)
        count += 1
    }

    /// Appends every record of `other`.
    func append(contentsOf other: CacheLineTable) {
        if count + other.count > capacity { reserve(count + other.count) }
        (base + count).update(from: other.base, count: other.count)
        count += other.count
    }

    private func reserve(_ records: Int) {
        let (biggerBlock, bigger) = CacheLineTable.allocate(records)
        bigger.update(from: base, count: count)
        block.release()
        (block, base) = (biggerBlock, bigger)
        capacity = records
    }
}
