/// A set of 64-bit event id hashes (`ByteKeyTable.hash`, whose bits are all well mixed): what
/// pass 2 holds of the earlier runs' ids that have an index (`UsageIDHashes`). Sized once for
/// the hashes it will hold, 1.5 slots each (12 bytes an id), any size rather than a power of two,
/// since a year of months can put millions of ids in one partition. Open addressing with linear
/// probing; 0 marks an empty slot, so the hash 0 is kept apart.
struct IDHashSet {
    private var slots: [UInt64]
    private var hasZero = false
    private(set) var count = 0

    /// A set for up to `capacity` hashes (it grows past that, at the cost of a rebuild).
    init(capacity: Int = 0) { slots = [UInt64](repeating: 0, count: IDHashSet.size(for: capacity)) }

    private static func size(for capacity: Int) -> Int { max(16, capacity + capacity / 2 + 1) }

    var isEmpty: Bool { count == 0 }

    /// The first slot of `h`: its low 32 bits scaled to the table's size (multiply and shift,
    /// not a division).
    @inline(__always) private func home(_ h: UInt64) -> Int {
        Int(truncatingIfNeeded: ((h & 0xFFFF_FFFF) &* UInt64(slots.count)) >> 32)
    }

    mutating func insert(_ h: UInt64) {
        if h == 0 {
            if !hasZero { count += 1 }
            hasZero = true
            return
        }
        var s = home(h)
        while slots[s] != 0 {
            if slots[s] == h { return }
            s = s + 1 == slots.count ? 0 : s + 1
        }
        slots[s] = h
        count += 1
        if count * 3 > slots.count * 2 { rebuild(capacity: count * 2) }
    }

    func contains(_ h: UInt64) -> Bool {
        if h == 0 { return hasZero }
        var s = home(h)
        while slots[s] != 0 {
            if slots[s] == h { return true }
            s = s + 1 == slots.count ? 0 : s + 1
        }
        return false
    }

    /// What the first probe slot of `h` holds: read ahead of a batch of lookups, so that their
    /// cache misses overlap (as `ByteKeyTable.firstProbe`).
    @inline(__always) func firstProbe(_ h: UInt64) -> UInt64 { slots[home(h)] }

    private mutating func rebuild(capacity: Int) {
        let old = slots
        slots = [UInt64](repeating: 0, count: IDHashSet.size(for: capacity))
        count = hasZero ? 1 : 0
        for h in old where h != 0 { insert(h) }
    }
}
