/// A set of 64-bit words: what pass 2 holds of the earlier runs' ids that have an index (their
/// hashes, `UsageIDHashes`), and of the distinct values each of its accumulators has seen (the
/// accumulator's number and the value's, packed in one word). Sized once for the words it will
/// hold, 1.5 slots each (12 bytes a word), any size rather than a power of two, since a year of
/// months can put millions of ids in one partition. Open addressing with linear probing from a
/// Fibonacci hash (the words need not be well mixed); 0 marks an empty slot, so the word 0 is
/// kept apart.
struct WordSet {
    private var slots: [UInt64]
    private var hasZero = false
    private(set) var count = 0

    /// A set for up to `capacity` words (it grows past that, at the cost of a rebuild).
    init(capacity: Int = 0) { slots = [UInt64](repeating: 0, count: WordSet.size(for: capacity)) }

    private static func size(for capacity: Int) -> Int { max(16, capacity + capacity / 2 + 1) }

    var isEmpty: Bool { count == 0 }

    /// The first slot of `h`: the top 32 bits of `h` × 2^64/φ (Fibonacci hashing: every bit of
    /// `h` reaches them), scaled to the table's size (multiply and shift, not a division).
    @inline(__always) private func home(_ h: UInt64) -> Int {
        Int(truncatingIfNeeded: ((h &* 0x9E37_79B9_7F4A_7C15) >> 32 &* UInt64(slots.count)) >> 32)
    }

    /// Adds `h`; false if it was there already.
    @discardableResult
    mutating func insert(_ h: UInt64) -> Bool {
        if h == 0 {
            if hasZero { return false }
            count += 1
            hasZero = true
            return true
        }
        var s = home(h)
        while slots[s] != 0 {
            if slots[s] == h { return false }
            s = s + 1 == slots.count ? 0 : s + 1
        }
        slots[s] = h
        count += 1
        if count * 3 > slots.count * 2 { rebuild(capacity: count * 2) }
        return true
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

    /// Calls `body` with every word, in no particular order.
    func forEach(_ body: (UInt64) -> Void) {
        if hasZero { body(0) }
        for h in slots where h != 0 { body(h) }
    }

    /// What the first probe slot of `h` holds: read ahead of a batch of lookups, so that their
    /// cache misses overlap (as `ByteKeyTable.firstProbe`).
    @inline(__always) func firstProbe(_ h: UInt64) -> UInt64 { slots[home(h)] }

    private mutating func rebuild(capacity: Int) {
        let old = slots
        slots = [UInt64](repeating: 0, count: WordSet.size(for: capacity))
        count = hasZero ? 1 : 0
        for h in old where h != 0 { insert(h) }
    }
}
