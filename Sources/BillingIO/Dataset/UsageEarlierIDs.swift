/// The ids that earlier runs billed in one round (`UsageRound`) of a partition, as pass 2
/// consults them (decision 49): the hashes of the round's ids of the contributions with an index
/// (`UsageIDHashes`), held as a set, and how many of each one's ids are the round's, so that
/// reading a contribution's ids for the round can be checked against its index; and the
/// contributions without one (written before indexes existed), whose ids are read whole, round by
/// round. Only one round's hashes are held (decision 63): they grow with the ledger's history.
struct UsageEarlierIDs {
    /// What earlier runs billed in one partition, found once for all its rounds: the
    /// contributions with an index, with the ids it lists (from its size), and those without.
    struct History {
        let indexed: [(base: String, ids: Int)]
        let unindexed: [String]
        /// About how many rows the unindexed contributions' ids files hold, from their sizes (a
        /// row takes about 24 bytes or more): their ids go into a round's table.
        let unindexedRows: Int

        /// Partition `p` of the contributions `committed`.
        init(committed: [String], partition p: Int) throws {
            var indexed: [(base: String, ids: Int)] = []
            var unindexed: [String] = []
            var bytes = 0
            for c in committed {
                let index = UsageIDHashes.path(c, partition: p)
                if FileSystem.exists(index) {
                    indexed.append((c, max(0, try FileSystem.size(index) - UsageIDHashes.magic.count) / 8))
                } else if FileSystem.exists(UsageStore.idsFile(c, partition: p)) {
                    unindexed.append(c)
                    bytes += try FileSystem.size(UsageStore.idsFile(c, partition: p))
                }
            }
            self.indexed = indexed
            self.unindexed = unindexed
            unindexedRows = bytes / 24
        }

        /// The ids the indexes list: with the partition's events, they decide its rounds.
        var indexedIDs: Int { indexed.reduce(0) { $0 + $1.ids } }
    }

    /// The indexed contributions (bases), each with how many of its ids are the round's.
    let indexed: [(base: String, rows: Int)]
    /// The hashes of the round's ids of every indexed contribution.
    let hashes: WordSet
    /// What earlier runs billed in the partition, which the round was taken from.
    let history: History

    /// The contributions without an index, read whole (see `History`).
    var unindexed: [String] { history.unindexed }
    /// About how many rows their ids files hold (see `History`).
    var unindexedRows: Int { history.unindexedRows }

    /// Round `round` of a partition of the contributions `history` found: each index is read
    /// (and checked) whole, one at a time, and only the round's hashes kept.
    init(_ history: History, partition p: Int, round: UsageRound) throws {
        let indexed = try history.indexed.map { c in
            let index = UsageIDHashes.path(c.base, partition: p)
            let all = try UsageIDHashes.parse(try FileSystem.read(index), partition: p, path: index)
            return (base: c.base, hashes: round.count == 1 ? all : all.filter { round.contains($0) })
        }
        var set = WordSet(capacity: indexed.reduce(0) { $0 + $1.hashes.count })
        for c in indexed { for h in c.hashes { set.insert(h) } }
        self.indexed = indexed.map { ($0.base, $0.hashes.count) }
        hashes = set
        self.history = history
    }
}
