import BillingCore

extension UsageCounts {
    /// One pass-2 worker's accumulators, as the merge takes them (decision 74): its dense slots
    /// (`UsageLookup.denseSlot`) where it counted them, its other accumulators sorted by key, and
    /// its distinct values sorted.
    ///
    /// The dense slots are numbered in key order, the same for every worker, so they need no
    /// sorting and no copy: the merge reads slot after slot of every worker's table. Only the
    /// others (few: far periods, catalogs of over 64 metrics) are sorted. At 1M subscriptions each
    /// worker used to copy its 2.8M accumulators into a sorted run first, 1.5–1.7 s of pass 2 with
    /// both cores busy, most of it the kernel handing out the copies' fresh memory.
    struct Run {
        /// Per dense slot (`0..<denseCount` of the tables), its tally (count 0: unused) and its
        /// latest event's quantity.
        let tallies: CacheLineTable<UsageTally>
        let latestQuantities: CacheLineTable<Int128>
        let denseCount: Int
        /// The other accumulators, in key order: key, first day after the period, tally, latest
        /// event's quantity.
        var extraKeys: [Int] = []
        var extraEnds: [Int] = []
        var extraTallies: [UsageTally] = []
        var extraLatest: [Int128] = []
        /// Distinct values: (dense slot << 32 | value) and (the accumulator's place in the extras
        /// << 32 | value), each ascending.
        var densePairs: [UInt64] = []
        var extraPairs: [UInt64] = []
    }
}
