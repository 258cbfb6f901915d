/// The ids that earlier runs billed in one round (`UsageRound`) of a partition, as pass 2
/// consults them (decision 49): the hashes of the round's ids of the contributions with an index
/// (`UsageIDHashes`), held as a set, and how many of each one's ids are the round's, so that
/// reading a contribution's ids for the round can be checked against its index; and the
/// contributions without one (written before indexes existed), whose ids are read whole, round by
/// round. Only one round's hashes are held (decision 63): they grow with the ledger's history.
struct UsageEarlierIDs {
    /// The indexed contributions (bases), each with how many of its ids are the round's.
    let indexed: [(base: String, rows: Int)]
    let unindexed: [String]
    /// The hashes of the round's ids of every indexed contribution.
    let hashes: WordSet
    /// The bytes of the unindexed contributions' ids files (to size a round's table).
    let unindexedBytes: Int

    /// How much earlier runs billed in partition `p` of the contributions `committed`: the ids
    /// their indexes list (from the indexes' sizes) and the bytes of the ids files without one.
    /// With the partition's events, they decide how many rounds it takes.
    static func size(committed: [String], partition p: Int) throws -> (indexedIDs: Int, unindexedBytes: Int) {
        var ids = 0, bytes = 0
        for c in committed {
            let index = UsageIDHashes.path(c, partition: p)
            if FileSystem.exists(index) {
                ids += max(0, try FileSystem.size(index) - UsageIDHashes.magic.count) / 8
            } else if FileSystem.exists(UsageStore.idsFile(c, partition: p)) {
                bytes += try FileSystem.size(UsageStore.idsFile(c, partition: p))
            }
        }
        return (ids, bytes)
    }

    /// Round `round` of partition `p` of the contributions `committed`: each index is read (and
    /// checked) whole, one at a time, and only the round's hashes kept.
    init(committed: [String], partition p: Int, round: UsageRound) throws {
        var indexed: [(base: String, hashes: [UInt64])] = []
        var unindexed: [String] = []
        var unindexedBytes = 0
        for c in committed {
            let index = UsageIDHashes.path(c, partition: p)
            if FileSystem.exists(index) {
                let all = try UsageIDHashes.parse(try FileSystem.read(index), partition: p, path: index)
                indexed.append((c, round.count == 1 ? all : all.filter { round.contains($0) }))
            } else if FileSystem.exists(UsageStore.idsFile(c, partition: p)) {
                unindexed.append(c)
                unindexedBytes += try FileSystem.size(UsageStore.idsFile(c, partition: p))
            }
        }
        var set = WordSet(capacity: indexed.reduce(0) { $0 + $1.hashes.count })
        for c in indexed { for h in c.hashes { set.insert(h) } }
        self.indexed = indexed.map { ($0.base, $0.hashes.count) }
        hashes = set
        self.unindexed = unindexed
        self.unindexedBytes = unindexedBytes
    }

    var isEmpty: Bool { indexed.isEmpty && unindexed.isEmpty }
}
