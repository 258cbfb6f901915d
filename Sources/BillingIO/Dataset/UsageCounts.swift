import BillingCore

/// Accumulators of counted usage events in key order (packed keys, see `UsageLookup.key`), each
/// with the first day after its period, its tally, its latest event's quantity and its distinct
/// values (interned numbers).
///
/// Each worker of pass 2 sorts its own accumulators, on its own thread, and the workers' runs are
/// then merged in one sequential pass: the merged state comes out in key order, which is the
/// order the contribution is written in. Merging through a hash table of the first worker's keys
/// instead missed the caches on every accumulator of the others (0.2–0.3 s at 10M events, on
/// one core).
///
/// The distinct values are held in one array, accumulator after accumulator, each one's
/// ascending: 4 bytes a value, where a `Set` per accumulator cost a hash table each, and merging
/// two accumulators' values is merging two sorted lists.
struct UsageCounts {
    private(set) var keys: [Int] = []
    private(set) var ends: [Int] = []
    private(set) var tallies: [UsageTally] = []
    private(set) var latestQuantities: [Int128] = []
    /// Every accumulator's distinct values, and where each accumulator's end in it.
    private(set) var values: [Int32] = []
    private(set) var valueEnds: [Int] = []

    init() {}

    /// The accumulators `0..<keys.count`, given in any order, sorted by key (keys are distinct).
    /// `valuePairs` holds each of their distinct values as a number in the high 32 bits, the
    /// accumulator's (or, with `numbers`, the one `numbers` maps to the accumulator's), and the
    /// value's in the low 32.
    init(
        keys: [Int], ends: [Int], tally: (Int) -> UsageTally, latestQuantity: (Int) -> Int128, valuePairs: WordSet, numbers: [Int]? = nil
    ) {
        var order = keys.enumerated().map { (key: $0.element, index: $0.offset) }
        order.sort { $0.key < $1.key }
        reserve(order.count)
        var rank = [Int](repeating: 0, count: order.count)
        for (r, (key, i)) in order.enumerated() {
            rank[i] = r
            self.keys.append(key)
            self.ends.append(ends[i])
            tallies.append(tally(i))
            latestQuantities.append(latestQuantity(i))
        }
        // The pairs renumbered by the accumulators' ranks, then sorted: each accumulator's values
        // come out together, ascending, in key order.
        var ranked: [UInt64] = []
        ranked.reserveCapacity(valuePairs.count)
        valuePairs.forEach { p in
            let i = numbers.map { $0[Int(p >> 32)] } ?? Int(p >> 32)
            ranked.append(UInt64(rank[i]) << 32 | p & 0xFFFF_FFFF)
        }
        ranked.sort()
        values = ranked.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
        var at = 0
        for r in 0..<order.count {
            while at < ranked.count && Int(ranked[at] >> 32) == r { at += 1 }
            valueEnds.append(at)
        }
    }

    var count: Int { keys.count }

    /// Accumulator `i`'s distinct values (interned numbers), ascending.
    func distinctValues(_ i: Int) -> ArraySlice<Int32> { values[(i == 0 ? 0 : valueEnds[i - 1])..<valueEnds[i]] }

    /// Accumulator `i` as one value.
    func accumulator(_ i: Int) -> UsageAccumulator { UsageAccumulator(tally: tallies[i], latestQuantity: latestQuantities[i]) }

    /// Both runs as one, in key order: an accumulator in both is merged (every aggregation is
    /// order-free: a tie on the latest instant goes to the later order, whichever run holds it),
    /// and its distinct values united.
    static func merging(_ a: UsageCounts, _ b: UsageCounts) -> UsageCounts {
        var out = UsageCounts()
        out.reserve(a.count + b.count)
        out.values.reserveCapacity(a.values.count + b.values.count)
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            let fromA = j == b.count || (i < a.count && a.keys[i] <= b.keys[j])
            let fromB = i == a.count || (j < b.count && b.keys[j] <= a.keys[i])
            if fromA { out.append(i, of: a) } else { out.append(j, of: b) }
            if fromA && fromB {
                let last = out.count - 1
                if out.tallies[last].merge(b.tallies[j]) { out.latestQuantities[last] = b.latestQuantities[j] }
            }
            out.appendValues(fromA ? a.distinctValues(i) : [], fromB ? b.distinctValues(j) : [])
            if fromA { i += 1 }
            if fromB { j += 1 }
        }
        return out
    }

    private mutating func reserve(_ n: Int) {
        keys.reserveCapacity(n)
        ends.reserveCapacity(n)
        tallies.reserveCapacity(n)
        latestQuantities.reserveCapacity(n)
        valueEnds.reserveCapacity(n)
    }

    /// Appends accumulator `i` of `run`, without its values.
    private mutating func append(_ i: Int, of run: UsageCounts) {
        keys.append(run.keys[i])
        ends.append(run.ends[i])
        tallies.append(run.tallies[i])
        latestQuantities.append(run.latestQuantities[i])
    }

    /// Appends the union of two ascending lists of values as the last accumulator's.
    private mutating func appendValues(_ x: ArraySlice<Int32>, _ y: ArraySlice<Int32>) {
        var (i, j) = (x.startIndex, y.startIndex)
        while i < x.endIndex || j < y.endIndex {
            if j == y.endIndex || (i < x.endIndex && x[i] < y[j]) {
                values.append(x[i])
                i += 1
            } else if i == x.endIndex || y[j] < x[i] {
                values.append(y[j])
                j += 1
            } else {
                values.append(x[i])
                i += 1
                j += 1
            }
        }
        valueEnds.append(values.count)
    }
}
