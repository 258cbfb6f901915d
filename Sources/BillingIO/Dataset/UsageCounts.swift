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
struct UsageCounts {
    private(set) var keys: [Int] = []
    private(set) var ends: [Int] = []
    private(set) var tallies: [UsageTally] = []
    private(set) var latestQuantities: [Int128] = []
    private(set) var values: [Set<Int32>] = []

    init() {}

    /// The accumulators `0..<keys.count`, given in any order, sorted by key (keys are distinct);
    /// `values` are moved, not copied.
    init(keys: [Int], ends: [Int], tally: (Int) -> UsageTally, latestQuantities: [Int128], values: inout [Set<Int32>]) {
        var order = keys.enumerated().map { (key: $0.element, index: $0.offset) }
        order.sort { $0.key < $1.key }
        reserve(order.count)
        for (key, i) in order {
            self.keys.append(key)
            self.ends.append(ends[i])
            tallies.append(tally(i))
            self.latestQuantities.append(latestQuantities[i])
            self.values.append([])
            swap(&self.values[self.values.count - 1], &values[i])
        }
    }

    var count: Int { keys.count }

    /// Accumulator `i`'s distinct values (interned numbers), ascending.
    func distinctValues(_ i: Int) -> [Int32] { values[i].sorted() }

    /// Accumulator `i` as one value.
    func accumulator(_ i: Int) -> UsageAccumulator { UsageAccumulator(tally: tallies[i], latestQuantity: latestQuantities[i]) }

    /// Both runs as one, in key order: an accumulator in both is merged (every aggregation is
    /// order-free: a tie on the latest instant goes to the later order, whichever run holds it),
    /// and its distinct values united. Each run's values are moved, not copied.
    static func merging(_ a: consuming UsageCounts, _ b: consuming UsageCounts) -> UsageCounts {
        var out = UsageCounts()
        out.reserve(a.count + b.count)
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a.keys[i] < b.keys[j]) {
                out.take(i, of: &a)
                i += 1
            } else if i == a.count || b.keys[j] < a.keys[i] {
                out.take(j, of: &b)
                j += 1
            } else {
                out.take(i, of: &a)
                out.mergeLast(with: j, of: &b)
                i += 1
                j += 1
            }
        }
        return out
    }

    private mutating func reserve(_ n: Int) {
        keys.reserveCapacity(n)
        ends.reserveCapacity(n)
        tallies.reserveCapacity(n)
        latestQuantities.reserveCapacity(n)
        values.reserveCapacity(n)
    }

    /// Appends accumulator `i` of `run`, moving its values.
    private mutating func take(_ i: Int, of run: inout UsageCounts) {
        keys.append(run.keys[i])
        ends.append(run.ends[i])
        tallies.append(run.tallies[i])
        latestQuantities.append(run.latestQuantities[i])
        values.append([])
        swap(&values[values.count - 1], &run.values[i])
    }

    /// Merges accumulator `i` of `run` (of the same key) into the last one.
    private mutating func mergeLast(with i: Int, of run: inout UsageCounts) {
        let last = count - 1
        if tallies[last].merge(run.tallies[i]) { latestQuantities[last] = run.latestQuantities[i] }
        if values[last].isEmpty {
            swap(&values[last], &run.values[i])
        } else {
            values[last].formUnion(run.values[i])
            run.values[i] = []
        }
    }
}
