/// A read-only table of fixed-size records, each starting on a 64-byte cache line, for records
/// looked up at random on the usage hot path: an `Array`'s elements start after its 32-byte
/// header, so a 64-byte record there straddles two cache lines and costs two misses, not one.
final class CacheLineTable<Element>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Element>
    let count: Int

    init(_ elements: [Element]) {
        count = elements.count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Element>.stride, alignment: 64)
        base = raw.bindMemory(to: Element.self, capacity: max(1, count))
        elements.withUnsafeBufferPointer { b in
            if let from = b.baseAddress { base.initialize(from: from, count: count) }
        }
    }

    deinit {
        base.deinitialize(count: count)
        UnsafeMutableRawPointer(base).deallocate()
    }

    /// Record `i` (0 ≤ i < count).
    @inline(__always) subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count, "record index out of range")
        return base[i]
    }
}
