import BillingCore

/// The keys of a byte-keyed table (`ByteKeyTable`, `EventIDTable`), numbered 0, 1, 2, … in the
/// order they were added: their bytes in one growing arena, and the hash each was added with.
/// The tables hold only where each key's number sits among their slots; what a key is, its
/// order among the others and its hash are read here.
struct ByteKeys {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []

    var count: Int { hashes.count }

    /// Makes room for `count` more keys of `bytes` bytes in all, so that adding them does not
    /// copy what is there again and again as the arrays grow. Pass 2 adds each partition's ids
    /// (some 39,000 at 10M events) to a new table: reserving took about 7 % off its time.
    mutating func reserve(_ count: Int, bytes: Int) {
        arena.reserveCapacity(arena.count + bytes)
        starts.reserveCapacity(starts.count + count)
        hashes.reserveCapacity(hashes.count + count)
    }

    /// Adds `key` (added with `hash`) and returns its number.
    mutating func append(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int {
        arena.append(contentsOf: key)
        starts.append(arena.count)
        hashes.append(hash)
        return hashes.count - 1
    }

    /// Whether key `i` was added with `hash` and is `key`, byte for byte.
    @inline(__always) func equals(_ i: Int, _ key: UnsafeRawBufferPointer, hash: UInt64) -> Bool {
        guard hashes[i] == hash, starts[i + 1] - starts[i] == key.count else { return false }
        return key.isEmpty || arena.withUnsafeBytes { memcmp($0.baseAddress! + starts[i], key.baseAddress!, key.count) == 0 }
    }

    /// The bytes of key `i`.
    func key(_ i: Int) -> ArraySlice<UInt8> { arena[starts[i]..<starts[i + 1]] }

    /// Copies the bytes of key `i` to `target`; returns how many.
    func copyKey(_ i: Int, to target: UnsafeMutableRawPointer) -> Int {
        let start = starts[i], count = starts[i + 1] - start
        arena.withUnsafeBytes { target.copyMemory(from: $0.baseAddress! + start, byteCount: count) }
        return count
    }

    /// The length of key `i`.
    func keyLength(_ i: Int) -> Int { starts[i + 1] - starts[i] }

    /// The hash key `i` was added with.
    func hash(of i: Int) -> UInt64 { hashes[i] }

    /// `entries` in the byte order of their keys: compared by their first 16 bytes as words, and
    /// (rarely) whole, not byte by byte through slices (usage sorts every counted event id).
    func sortedByKey(_ entries: [Int]) -> [Int] {
        var order = entries.map { (words: orderWords($0), entry: $0) }
        order.sort { a, b in a.words != b.words ? a.words < b.words : key(a.entry).lexicographicallyPrecedes(key(b.entry)) }
        return order.map(\.entry)
    }

    /// `ByteOrder.leadingWords` of key `i`: comparing them orders keys as their bytes do, except
    /// keys equal in them, which `key` tells apart.
    private func orderWords(_ i: Int) -> (UInt64, UInt64) {
        arena.withUnsafeBytes { raw in
            ByteOrder.leadingWords(UnsafeRawBufferPointer(rebasing: raw[starts[i]..<starts[i + 1]]))
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
