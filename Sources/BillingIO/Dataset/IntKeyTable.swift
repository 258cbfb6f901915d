/// A hash table from non-negative integers to dense indexes, with Fibonacci hashing and linear
/// probing: the usage hot path's map from a packed (subscription, metric, period) to its
/// accumulator slot, several times faster than `Dictionary` for this one job.
struct IntKeyTable {
    /// (key, value) pairs side by side, so a probe touches one cache line; key −1 is empty.
    private var pairs: [(key: Int, value: Int)]
    private var shift: Int
    private(set) var count = 0

    init() {
        pairs = Array(repeating: (-1, 0), count: 1024)
        shift = 64 - 10
    }

    @inline(__always) private func home(_ key: Int) -> Int { Int(truncatingIfNeeded: (UInt64(bitPattern: Int64(key)) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift)) }

    /// The key held in `key`'s first probe slot (−1: none): reading it ahead of a batch of
    /// lookups brings their slots into the cache with the misses overlapped.
    @inline(__always) func firstProbe(_ key: Int) -> Int { pairs[home(key)].key }

    /// The value of `key`, or the result of `make()` stored under it.
    mutating func value(for key: Int, orInsert make: () -> Int) -> Int {
        precondition(key >= 0)
        let mask = pairs.count - 1
        var s = home(key)
        while true {
            let p = pairs[s]
            if p.key == key { return p.value }
            if p.key < 0 { break }
            s = (s + 1) & mask
        }
        let v = make()
        pairs[s] = (key, v)
        count += 1
        if count * 2 > pairs.count { grow() }
        return v
    }

    private mutating func grow() {
        let old = pairs
        pairs = Array(repeating: (-1, 0), count: old.count * 2)
        shift -= 1
        let mask = pairs.count - 1
        for p in old where p.key >= 0 {
            var s = home(p.key)
            while pairs[s].key >= 0 { s = (s + 1) & mask }
            pairs[s] = p
        }
    }
}
