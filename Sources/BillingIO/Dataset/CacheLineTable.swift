/// A table of fixed-size records, each starting on a 64-byte cache line, for records looked up at
/// random on the usage hot path: an `Array`'s elements start after its 32-byte header, so a
/// 64-byte record there straddles two cache lines and costs two misses, not one. Records of
/// another size keep the table's start aligned only. It grows by appending, like an array, but it
/// is a class: a worker owns its table, and updates a record in place through `update`.
final class CacheLineTable<Element: BitwiseCopyable>: @unchecked Sendable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(_ elements: [Element] = []) {
        capacity = Swift.max(16, elements.count)
        base = CacheLineTable.allocate(capacity)
        for e in elements { append(e) }
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    private static func allocate(_ capacity: Int) -> UnsafeMutablePointer<Element> {
        UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Element>.stride, alignment: 64)
            .bindMemory(to: Element.self, capacity: capacity)
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
            let bigger = CacheLineTable.allocate(capacity * 2)
            bigger.update(from: base, count: count)
            UnsafeMutableRawPointer(base).deallocate()
            base = bigger
            capacity *= 2
        }
        (base + count).initialize(to: e)
        count += 1
    }
}
