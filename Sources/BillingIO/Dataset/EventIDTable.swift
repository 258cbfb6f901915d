/// The event ids of one round of a pass-2 partition (decision 64): a hash table from id bytes to
/// dense indexes (0, 1, 2, … in insertion order), like `ByteKeyTable`, but with slots of 8 bytes
/// (32 bits of the hash as a tag and the entry) instead of 32.
///
/// Pass 2 inserts every spilled event's id, and almost every id is new: the probe ends at an empty
/// slot or at slots of other hashes, and the key itself is read (from `keys`) only when a slot's tag
/// matches, that is for a repeated id. The 32 bytes of `ByteKeyTable`'s slots, which spare a
/// look-up that finds its key a read of the arena, only made this table four times as large: at
/// 10M events (about 39,000 a partition, 131,072 slots) 4 MiB a worker, which left the caches,
/// against 1 MiB with these.
///
/// It is also fuller than `ByteKeyTable`, up to three quarters (decision 71): a probe that goes on
/// past its first slot mostly stays in the same cache line (8 slots a line), and half the slots
/// keep more of the table in the L2 cache beside the events being taken: 65,536 slots, 512 KiB,
/// at 10M events, which took about 3 % off pass 2's time.
struct EventIDTable {
    /// The ids, in the order they were added.
    private(set) var keys = ByteKeys()
    /// Open addressing, linear probing; a slot is `tag(hash) | (entry + 1)`, 0 when empty.
    private var slots: [UInt64]
    private var mask: Int

    /// A table that holds `capacity` ids before it grows, and `idBytes` bytes of them before its
    /// arena does.
    init(capacity: Int = 16, idBytes: Int = 0) {
        let size = EventIDTable.slotCount(holding: capacity)
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        keys.reserve(capacity, bytes: idBytes)
    }

    /// The slots of a table of `capacity` ids: the least power of two (16 at least) that keeps it
    /// at most three quarters full.
    static func slotCount(holding capacity: Int) -> Int {
        var size = 16
        while !fits(capacity, in: size) { size <<= 1 }
        return size
    }

    /// Whether `count` ids keep `slots` slots at most three quarters full: the one rule that both
    /// sizes a table and makes it grow.
    @inline(__always) static func fits(_ count: Int, in slots: Int) -> Bool { count * 4 <= slots * 3 }

    /// The number of slots (a power of two).
    var slotCount: Int { slots.count }

    var count: Int { keys.count }

    /// The tag of `hash` in a slot's high 32 bits: bits 20 to 51 of the hash, which the slot's
    /// position (its low bits, in a table of up to 2^20 slots), the partition (its top 8, see
    /// `UsageStore.partition`) and the round (up to 4 bits below those for 16 rounds, see
    /// `UsageRound`) leave free
    /// to differ between the ids that meet in a slot.
    @inline(__always) static func tag(_ hash: UInt64) -> UInt64 { (hash >> 20) << 32 }

    /// What the first probe slot of `hash` holds (its low 32 bits): reading it ahead of a batch of
    /// `insert`s brings their slots into the cache with the misses overlapped.
    @inline(__always) func firstProbe(_ hash: UInt64) -> Int32 { Int32(truncatingIfNeeded: slots[Int(truncatingIfNeeded: hash) & mask]) }

    /// The index of `key`, adding it if absent (`inserted` tells which).
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (index: Int, inserted: Bool) {
        let tag = EventIDTable.tag(hash)
        var s = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[s]
            if slot == 0 { break }
            if slot & 0xFFFF_FFFF_0000_0000 == tag {
                let i = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                if keys.equals(i, key, hash: hash) { return (i, false) }
            }
            s = (s + 1) & mask
        }
        let index = keys.append(key, hash: hash)
        precondition(index < Int(UInt32.max), "an event id table holds fewer than 2^32 − 1 ids")
        slots[s] = tag | UInt64(index + 1)
        if !EventIDTable.fits(keys.count, in: slots.count) { grow() }
        return (index, true)
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot != 0 {
            var s = Int(truncatingIfNeeded: keys.hash(of: Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1)) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = slot
        }
    }
}
