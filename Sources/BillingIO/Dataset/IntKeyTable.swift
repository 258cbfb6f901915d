/// A hash table from non-negative integers to dense indexes, with Fibonacci hashing and linear
/// probing: the usage hot path's map from a packed (subscription, metric, period) to its
/// accumulator slot, several times faster than `Dictionary` for this one job.
struct IntKeyTable {
    private var keys: [Int]
    private var values: [Int]
    private var shift: Int
    private(set) var count = 0

    init() {
        keys = [Int](repeating: -1, count: 1024)
        values = [Int](repeating: 0, count: 1024)
        shift = 64 - 10
    }

    @inline(__always) private func home(_ key: Int) -> Int { Int(truncatingIfNeeded: (UInt64(bitPattern: Int64(key)) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift)) }

    /// The value of `key`, or the result of `make()` stored under it.
    mutating func value(for key: Int, orInsert make: () -> Int) -> Int {
        precondition(key >= 0)
        let mask = keys.count - 1
        var s = home(key)
        while true {
            let k = keys[s]
            if k == key { return values[s] }
            if k < 0 { break }
            s = (s + 1) & mask
        }
        let v = make()
        keys[s] = key
        values[s] = v
        count += 1
        if count * 2 > keys.count { grow() }
        return v
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [Int](repeating: -1, count: oldKeys.count * 2)
        values = [Int](repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        let mask = keys.count - 1
        for (i, k) in oldKeys.enumerated() where k >= 0 {
            var s = home(k)
            while keys[s] >= 0 { s = (s + 1) & mask }
            keys[s] = k
            values[s] = oldValues[i]
        }
    }
}
