/// A hash table from byte strings to dense indexes (0, 1, 2, … in insertion order), for the usage
/// hot path: looking up a subscription id or an event id straight from the CSV parser's bytes,
/// without building a `String` per field. Keys live in one growing byte arena.
struct ByteKeyTable {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Open addressing, linear probing: an entry index or -1.
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { hashes.count }

    /// FNV-1a over the bytes, then the SplitMix64 finaliser so every bit is mixed: the table uses
    /// the low bits, usage partitions the high ones. Part of the ledger's format (the partition of
    /// an event id), so it never changes.
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }

    /// The bytes of entry `i`.
    func key(_ i: Int) -> ArraySlice<UInt8> { arena[starts[i]..<starts[i + 1]] }

    private func equals(_ i: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = starts[i]
        guard starts[i + 1] - start == key.count else { return false }
        return arena.withUnsafeBytes { a in key.count == 0 || memcmp(a.baseAddress! + start, key.baseAddress!, key.count) == 0 }
    }

    /// The index of `key`, if present.
    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var s = Int(truncatingIfNeeded: hash) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 { return nil }
            if hashes[e] == hash && equals(e, key) { return e }
            s = (s + 1) & mask
        }
    }

    /// The index of `key`, adding it if absent (`inserted` tells which).
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (index: Int, inserted: Bool) {
        var s = Int(truncatingIfNeeded: hash) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 { break }
            if hashes[e] == hash && equals(e, key) { return (e, false) }
            s = (s + 1) & mask
        }
        let index = hashes.count
        arena.append(contentsOf: key)
        starts.append(arena.count)
        hashes.append(hash)
        slots[s] = Int32(index)
        if hashes.count * 2 > slots.count { grow() }
        return (index, true)
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (i, h) in hashes.enumerated() {
            var s = Int(truncatingIfNeeded: h) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(i)
        }
    }
}

extension ByteKeyTable {
    /// A table of `keys` (as UTF-8), indexed in their order.
    init(_ keys: [String]) {
        self.init(capacity: keys.count)
        for k in keys {
            var k = k
            k.withUTF8 { b in _ = insert(UnsafeRawBufferPointer(b), hash: ByteKeyTable.hash(UnsafeRawBufferPointer(b))) }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
