extension UsageLookup {
    /// Dense accumulator slots: every (subscription, metric) pair of a metered subscription with
    /// one of its two near periods (`Hot.nearStart0`, `nearStart1`) is numbered in key order,
    /// `(pair × 2) + near`. Nearly every event falls in one of them, and pass 1 numbers it from the
    /// subscription's record it has read already, so pass 2 finds its accumulator at that index
    /// instead of through a hash table of keys (one cache miss less per event). Other events (far
    /// periods, catalogs of over 64 metrics) keep their key.
    var denseCount: Int { denseKeys.count }

    /// The dense slot of an event of the subscription with record `h`, of `metric` (one of its
    /// own), in `period`; −1 if it has none.
    @inline(__always) func denseSlot(_ h: Hot, metric: Int, period: (start: Int, end: Int)) -> Int {
        guard h.pairBase >= 0, wideMetrics == nil else { return -1 }
        let near: Int
        if period.start == Int(h.nearStart0) && period.end == Int(h.nearEnd0) {
            near = 0
        } else if period.start == Int(h.nearStart1) && period.end == Int(h.nearEnd1) {
            near = 1
        } else {
            return -1
        }
        // The metric's rank among the subscription's own: its bits below the metric's.
        let rank = (h.metrics & ((1 << UInt64(metric)) &- 1)).nonzeroBitCount
        return (Int(h.pairBase) + rank) << 1 | near
    }

    /// Numbers the pairs of every metered subscription (with at most 64 metrics in the catalog),
    /// in subscription and metric order, and records each dense slot's key and period end.
    /// A catalog with more pairs than `Hot.pairBase` numbers (over 2^30) gets no dense slots.
    mutating func numberDenseSlots(_ hot: inout [Hot]) {
        let pairs = hot.reduce(0) { $0 + ($1.horizon != Int32.min ? $1.metrics.nonzeroBitCount : 0) }
        guard wideMetrics == nil, pairs <= 1 << 30 else { return }
        var keys: [Int] = [], ends: [Int] = []
        keys.reserveCapacity(2 * pairs)
        ends.reserveCapacity(2 * pairs)
        for sub in hot.indices where hot[sub].horizon != Int32.min && hot[sub].metrics != 0 {
            hot[sub].pairBase = Int32(keys.count / 2)
            let h = hot[sub]
            var bits = h.metrics
            while bits != 0 {
                let metric = bits.trailingZeroBitCount
                bits &= bits - 1
                keys.append(h.nearStart0 < h.nearEnd0 ? key(sub, metric, Int(h.nearStart0)) : -1)
                ends.append(Int(h.nearEnd0))
                keys.append(h.nearStart1 < h.nearEnd1 ? key(sub, metric, Int(h.nearStart1)) : -1)
                ends.append(Int(h.nearEnd1))
            }
        }
        denseKeys = keys
        denseEnds = ends
    }
}
