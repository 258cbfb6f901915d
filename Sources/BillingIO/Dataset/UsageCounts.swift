import BillingCore

/// Accumulators of counted usage events in key order (packed keys, see `UsageLookup.key`), each
/// with the first day after its period, its tally, its latest event's quantity and its distinct
/// values (interned numbers).
///
/// Made by merging pass 2's workers' accumulators (`UsageCounts.Run`) in one sequential pass
/// (`init(merging:denseKeys:denseEnds:)`): the merged state comes out in key order, which is the
/// order the contribution is written in.
///
/// The distinct values are held in one array, accumulator after accumulator, each one's
/// ascending: 4 bytes a value, where a `Set` per accumulator cost a hash table each, and uniting
/// the runs' values of one accumulator is sorting their ascending lists together
/// (`uniteValues`).
struct UsageCounts {
    private(set) var keys: [Int] = []
    private(set) var ends: [Int] = []
    private(set) var tallies: [UsageTally] = []
    private(set) var latestQuantities: [Int128] = []
    /// Every accumulator's distinct values, and where each accumulator's end in it.
    private(set) var values: [Int32] = []
    private(set) var valueEnds: [Int] = []

    init() {}

    /// The runs' accumulators as one, in key order: an accumulator in several runs is merged
    /// (every aggregation is order-free: a tie on the latest instant goes to the later order,
    /// whichever run holds it), its distinct values united. `denseKeys` and `denseEnds` give each
    /// dense slot's key (ascending over the slots used) and the first day after its period.
    init(merging runs: [Run], denseKeys: [Int], denseEnds: [Int]) {
        let denseCount = denseKeys.count
        precondition(runs.allSatisfy { $0.denseCount == denseCount }, "runs of another dense layout")
        reserve(denseCount + runs.reduce(0) { $0 + $1.extraKeys.count })
        // The runs' parts, each in an array of its own: read once an accumulator, a `Run` copied
        // out of `runs` would retain all its arrays each time.
        let tallyTables = runs.map(\.tallies), latestTables = runs.map(\.latestQuantities)
        let densePairs = runs.map(\.densePairs), extraPairs = runs.map(\.extraPairs)
        let extraKeys = runs.map(\.extraKeys)
        var extraAt = [Int](repeating: 0, count: runs.count)
        var densePairAt = [Int](repeating: 0, count: runs.count)
        var extraPairAt = [Int](repeating: 0, count: runs.count)
        var d = 0
        while true {
            while d < denseCount && !tallyTables.contains(where: { $0[d].count > 0 }) { d += 1 }
            // The next key: the dense slot's or a run's next other accumulator's, whichever is lower.
            var key = d < denseCount ? denseKeys[d] : nil
            for w in runs.indices where extraAt[w] < extraKeys[w].count { key = Swift.min(key ?? .max, extraKeys[w][extraAt[w]]) }
            guard let key else { break }
            var tally: UsageTally?
            var latest: Int128 = 0
            var end = 0
            func take(_ t: UsageTally, _ q: Int128) {
                if tally == nil {
                    (tally, latest) = (t, q)
                } else if tally!.merge(t) {
                    latest = q
                }
            }
            let valueStart = values.count
            var sources = 0
            // Appends a run's values of this accumulator: its pairs from `at` on whose high half is `owner`.
            func takeValues(_ pairs: [UInt64], from at: inout Int, owner: Int) {
                let first = at
                while at < pairs.count && Int(pairs[at] >> 32) == owner {
                    values.append(Int32(truncatingIfNeeded: pairs[at] & 0xFFFF_FFFF))
                    at += 1
                }
                if at > first { sources += 1 }
            }
            if d < denseCount && denseKeys[d] == key {
                end = denseEnds[d]
                for w in runs.indices {
                    let t = tallyTables[w][d]
                    if t.count > 0 { take(t, latestTables[w][d]) }
                    takeValues(densePairs[w], from: &densePairAt[w], owner: d)
                }
                d += 1
            }
            for w in runs.indices where extraAt[w] < extraKeys[w].count && extraKeys[w][extraAt[w]] == key {
                let e = extraAt[w]
                end = runs[w].extraEnds[e]
                take(runs[w].extraTallies[e], runs[w].extraLatest[e])
                takeValues(extraPairs[w], from: &extraPairAt[w], owner: e)
                extraAt[w] += 1
            }
            if sources > 1 { uniteValues(from: valueStart) }
            keys.append(key)
            ends.append(end)
            tallies.append(tally!)
            latestQuantities.append(latest)
            valueEnds.append(values.count)
        }
    }

    /// Sorts `values[start...]` (several runs' ascending lists one after the other) and drops
    /// the repeats.
    private mutating func uniteValues(from start: Int) {
        values[start...].sort()
        var kept = start
        for i in start..<values.count where i == start || values[i] != values[kept - 1] {
            values[kept] = values[i]
            kept += 1
        }
        values.removeLast(values.count - kept)
    }

    var count: Int { keys.count }

    /// Accumulator `i`'s distinct values (interned numbers), ascending.
    func distinctValues(_ i: Int) -> ArraySlice<Int32> { values[(i == 0 ? 0 : valueEnds[i - 1])..<valueEnds[i]] }

    /// Accumulator `i` as one value.
    func accumulator(_ i: Int) -> UsageAccumulator { UsageAccumulator(tally: tallies[i], latestQuantity: latestQuantities[i]) }

    private mutating func reserve(_ n: Int) {
        keys.reserveCapacity(n)
        ends.reserveCapacity(n)
        tallies.reserveCapacity(n)
        latestQuantities.reserveCapacity(n)
        valueEnds.reserveCapacity(n)
    }
}
