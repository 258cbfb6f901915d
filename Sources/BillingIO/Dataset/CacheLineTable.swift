#if canImport(Glibc)
    import Glibc
#endif

/// A table of fixed-size records, each starting on a 64-byte cache line, for records looked up at
/// random on the usage hot path: an `Array`'s elements start after its 32-byte header, so a
/// 64-byte record there straddles two cache lines and costs two misses, not one. Records of
/// another size keep the table's start aligned only. It grows by appending, like an array, but it
/// is a class: a worker owns its table, and updates a record in place through `update`.
final class CacheLineTable<Element: BitwiseCopyable>: @unchecked Sendable {
    /// The allocation (`calloc`'s), and the records from its first 64-byte boundary on.
    private var raw: UnsafeMutableRawPointer
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(_ elements: [Element] = []) {
        capacity = Swift.max(16, elements.count)
        (raw, base) = CacheLineTable.allocate(capacity)
        for e in elements { append(e) }
    }

    /// `count` records of all-zero bytes, which must be a valid `Element`. The memory comes from
    /// `calloc`, which maps a large block fresh from the kernel, already zero: its pages take
    /// memory when a record on them is first written, not before (pass 2 makes a record for
    /// every dense slot, of which a run may use few).
    init(zeroedCount count: Int) {
        capacity = Swift.max(16, count)
        (raw, base) = CacheLineTable.allocate(capacity)
        self.count = count
    }

    deinit { free(raw) }

    private static func allocate(_ capacity: Int) -> (UnsafeMutableRawPointer, UnsafeMutablePointer<Element>) {
        guard let raw = calloc(capacity * MemoryLayout<Element>.stride + 63, 1) else { fatalError("out of memory") }
        let aligned = raw + (64 - Int(bitPattern: raw) & 63) & 63
        return (raw, aligned.bindMemory(to: Element.self, capacity: capacity))
    }

    /// Record `i` (0 ≤ i < count).
    @inline(__always) subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count, "record index out of range")
        return base[i]
    }

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

    func append(_ e: Element) {
        if count == capacity {
            let (biggerRaw, bigger) = CacheLineTable.allocate(capacity * 2)
            bigger.update(from: base, count: count)
            free(raw)
            (raw, base) = (biggerRaw, bigger)
            capacity *= 2
        }
        (base + count).initialize(to: e)
        count += 1
    }
}
