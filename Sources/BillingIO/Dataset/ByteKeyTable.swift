/// A hash table from byte strings to dense indexes (0, 1, 2, … in insertion order), for the usage
/// hot path: looking up a subscription id or a metric straight from the CSV parser's bytes,
/// without building a `String` per field, and interning `unique_count` values. Its slots hold
/// short keys themselves, for tables whose look-ups mostly find their key; pass 2's event ids,
/// which mostly are not there yet, are in an `EventIDTable`. The keys are in `keys`.
struct ByteKeyTable {
    /// A probe slot: the key's hash, its entry, and (for keys of up to 16 bytes) the key itself,
    /// so a lookup of a short id touches one cache line.
    struct Slot {
        var hash: UInt64 = 0
        var index: Int32 = -1
        var length: Int32 = 0
        var inline: (UInt64, UInt64) = (0, 0)
    }

    /// The keys, in the order they were added.
    private(set) var keys = ByteKeys()
    /// Open addressing, linear probing. The slots start on a cache line, so none straddles two
    /// (in an `Array`, after its 32-byte header and `malloc`'s 16, every other slot of a large
    /// table did: a lookup that had read its slot's first line ahead still missed on its key), and
    /// a large table has 2 MiB pages (decision 65). Shared by copies until one of them changes.
    private var slots: CacheLineTable<Slot>
    private var mask: Int
    /// The table keeps at least this many slots a key (a power of two, 2 or more).
    let slotsPerKey: Int

    /// A table of `capacity` keys before it grows, with at least `slotsPerKey` slots a key: 2 (at
    /// most half full) by default; 4 for the subscriptions by id (decision 77), a table built once
    /// and then looked up once an event, where a lookup that finds its key past the first slot
    /// is rarer in a sparser table.
    init(capacity: Int = 16, slotsPerKey: Int = 2) {
        precondition(slotsPerKey >= 2 && slotsPerKey & (slotsPerKey - 1) == 0, "a power of two, 2 or more")
        self.slotsPerKey = slotsPerKey
        let size = ByteKeyTable.slotCount(holding: capacity, slotsPerKey: slotsPerKey)
        slots = CacheLineTable(repeating: Slot(), count: size)
        mask = size - 1
    }

    /// The slots of a table of `capacity` keys: the least power of two (16 at least) that gives
    /// each key `slotsPerKey` slots, where linear probing stays short (a slot is half a cache line).
    static func slotCount(holding capacity: Int, slotsPerKey: Int = 2) -> Int {
        var size = 16
        while size < capacity * slotsPerKey { size <<= 1 }
        return size
    }

    /// The number of slots (a power of two).
    var slotCount: Int { slots.count }

    var count: Int { keys.count }

    /// Where slot 0 lies (its tests check it is on a cache line).
    var slotsStart: UnsafeRawPointer { slots.start }

    /// FNV-1a over the bytes, then the SplitMix64 finaliser so every bit is mixed: the table uses
    /// the low bits, usage partitions the high ones. Part of the ledger's format (the partition of
    /// an event id), so it never changes.
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h = fnvBasis
        for b in key { h = fnvStep(h, b) }
        return finalized(h)
    }

    /// FNV-1a's starting state and one step (one byte), shared with the row fingerprint.
    static let fnvBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    @inline(__always) static func fnvStep(_ h: UInt64, _ b: UInt8) -> UInt64 { (h ^ UInt64(b)) &* 0x100_0000_01b3 }

    /// `hash` of a key whose FNV-1a state is `h` (the SplitMix64 finaliser).
    @inline(__always) static func finalized(_ h: UInt64) -> UInt64 {
        var h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }

    /// A key of 1 to 16 bytes as two words, loaded straight into registers: a word of 8 bytes from
    /// each end of the key (overlapping when it is shorter than 16), 4 bytes from each end of one of
    /// 4 to 7, the first, middle and last byte of one of 1 to 3. Together with the key's length
    /// (which `matches` compares first) the words tell every key apart, as every byte is in them.
    /// Copying the key into zeroed words through memory instead stalled every lookup: the load of
    /// a word written by a short copy waits for the copy's stores (about 5 % of ingest's CPU).
    @inline(__always) static func words(_ key: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let n = key.count, p = key.baseAddress!
        if n >= 8 {
            return (UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)), UInt64(littleEndian: p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)))
        }
        if n >= 4 {
            let head = UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
            let tail = UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)))
            return (head | tail << 32, 0)
        }
        let first = UInt64(p.load(as: UInt8.self)), middle = UInt64(p.load(fromByteOffset: n / 2, as: UInt8.self))
        return (first | middle << 8 | UInt64(p.load(fromByteOffset: n - 1, as: UInt8.self)) << 16, 0)
    }

    @inline(__always) private func matches(_ slot: Slot, _ key: UnsafeRawBufferPointer, _ hash: UInt64) -> Bool {
        guard slot.hash == hash, Int(slot.length) == key.count else { return false }
        if key.count <= 16 {
            let w = key.count == 0 ? (0, 0) : ByteKeyTable.words(key)
            return slot.inline == w
        }
        return keys.equals(Int(slot.index), key, hash: hash)
    }

    /// The index of `key`, if present.
    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var s = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[s]
            if slot.index < 0 { return nil }
            if matches(slot, key, hash) { return Int(slot.index) }
            s = (s + 1) & mask
        }
    }

    /// What the first probe slot of `hash` holds (an entry, or −1): reading it ahead of a batch of
    /// `insert`s or `find`s brings their slots into the cache with the misses overlapped.
    @inline(__always) func firstProbe(_ hash: UInt64) -> Int32 { slots[Int(truncatingIfNeeded: hash) & mask].index }

    /// The index of `key`, adding it if absent (`inserted` tells which).
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (index: Int, inserted: Bool) {
        var s = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[s]
            if slot.index < 0 { break }
            if matches(slot, key, hash) { return (Int(slot.index), false) }
            s = (s + 1) & mask
        }
        let index = keys.append(key, hash: hash)
        if !isKnownUniquelyReferenced(&slots) { slots = slots.copy() }
        slots.set(s, Slot(hash: hash, index: Int32(index), length: Int32(key.count), inline: key.count <= 16 && key.count > 0 ? ByteKeyTable.words(key) : (0, 0)))
        if keys.count * slotsPerKey > slots.count { grow() }
        return (index, true)
    }

    private mutating func grow() {
        let old = slots
        slots = CacheLineTable(repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for o in 0..<old.count where old[o].index >= 0 {
            let slot = old[o]
            var s = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[s].index >= 0 { s = (s + 1) & mask }
            slots.set(s, slot)
        }
    }
}

extension ByteKeyTable {
    /// A table of `keys` (as UTF-8), indexed in their order, with `slotsPerKey` slots a key.
    init(_ keys: [String], slotsPerKey: Int = 2) {
        self.init(capacity: keys.count, slotsPerKey: slotsPerKey)
        for k in keys {
            var k = k
            k.withUTF8 { b in _ = insert(UnsafeRawBufferPointer(b), hash: ByteKeyTable.hash(UnsafeRawBufferPointer(b))) }
        }
    }

    /// The index of `key` (as UTF-8), if the table holds it.
    func find(_ key: String) -> Int? {
        var key = key
        return key.withUTF8 { b in find(UnsafeRawBufferPointer(b), hash: ByteKeyTable.hash(UnsafeRawBufferPointer(b))) }
    }
}
