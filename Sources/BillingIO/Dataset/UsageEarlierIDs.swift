/// The ids that earlier runs billed in one partition, as pass 2 consults them (decision 49): the
/// hashes of the contributions with an index (`UsageIDHashes`), held as a set, and how many of
/// their ids fall in each round (`UsageRound`), so that reading a contribution's ids for a round
/// can be checked against its index; and the contributions without one (written before indexes
/// existed), whose ids are read whole, round by round.
struct UsageEarlierIDs {
    /// The indexed contributions (bases), each with its ids' count per round.
    let indexed: [(base: String, rows: [Int])]
    let unindexed: [String]
    /// The hashes of every indexed contribution's ids.
    let hashes: WordSet
    /// The bytes of the unindexed contributions' ids files (to size a round's table).
    let unindexedBytes: Int

    /// Partition `p` of the contributions `committed`, for a partition taken in `rounds` rounds.
    init(committed: [String], partition p: Int, rounds: Int) throws {
        var indexed: [(base: String, hashes: [UInt64])] = []
        var unindexed: [String] = []
        var unindexedBytes = 0
        for c in committed {
            let index = UsageIDHashes.path(c, partition: p)
            if FileSystem.exists(index) {
                indexed.append((c, try UsageIDHashes.parse(try FileSystem.read(index), partition: p, path: index)))
            } else if FileSystem.exists(UsageStore.idsFile(c, partition: p)) {
                unindexed.append(c)
                unindexedBytes += try FileSystem.size(UsageStore.idsFile(c, partition: p))
            }
        }
        var set = WordSet(capacity: indexed.reduce(0) { $0 + $1.hashes.count })
        self.indexed = indexed.map { c in
            var rows = [Int](repeating: 0, count: rounds)
            for h in c.hashes {
                set.insert(h)
                rows[UsageRound.index(of: h, among: rounds)] += 1
            }
            return (c.base, rows)
        }
        hashes = set
        self.unindexed = unindexed
        self.unindexedBytes = unindexedBytes
    }

    var isEmpty: Bool { indexed.isEmpty && unindexed.isEmpty }
}
