import BillingCore
import Testing
@testable import BillingIO

/// Pass 2's workers' accumulators, each run sorted by key and the runs merged.
struct UsageCountsTests {
    /// One accumulator's events: (quantity in whole units, seconds, order) each.
    static func tally(_ events: [(Int, Int, Int64)]) -> UsageTally {
        var t = UsageTally()
        for (q, s, o) in events { t.add(quantity: Int128(q) * 1_000_000_000, at: Timestamp.Instant(seconds: s, nanos: 0), order: o) }
        return t
    }

    /// A run from accumulators given out of key order: (key, end, events, latest quantity, values).
    static func run(_ entries: [(Int, Int, [(Int, Int, Int64)], Int, Set<Int32>)]) -> UsageCounts {
        var pairs = WordSet()
        for (i, e) in entries.enumerated() {
            for v in e.4 { pairs.insert(UInt64(i) << 32 | UInt64(v)) }
        }
        return UsageCounts(
            keys: entries.map(\.0), ends: entries.map(\.1), tally: { tally(entries[$0].2) },
            latestQuantity: { Int128(entries[$0].3) * 1_000_000_000 }, valuePairs: pairs)
    }

    /// Run a holds keys 30 and 10, run b keys 20 and 10 (each given out of order). Key 10 is in
    /// both: a has quantities 2 and 3 (the latest at 100 s, order 7), b has 4 at the same instant
    /// with order 9, so b's event is the latest (a later order wins a tie). Merged, either way
    /// round: keys 10, 20, 30; key 10 sums 2 + 3 + 4 = 9 over 3 events, max 4, last 4, values
    /// {1, 2} ∪ {2, 3} = {1, 2, 3}; keys 20 and 30 as their own run had them.
    @Test(arguments: [false, true]) func mergedRunsAreInKeyOrderWithSharedKeysMerged(bFirst: Bool) {
        let a = UsageCountsTests.run([(30, 300, [(1, 50, 1)], 1, [7]), (10, 100, [(2, 90, 3), (3, 100, 7)], 3, [1, 2])])
        let b = UsageCountsTests.run([(20, 200, [(5, 60, 2)], 5, []), (10, 100, [(4, 100, 9)], 4, [2, 3])])
        #expect(a.keys == [10, 30] && b.keys == [10, 20])
        let m = bFirst ? UsageCounts.merging(b, a) : UsageCounts.merging(a, b)
        #expect(m.keys == [10, 20, 30])
        #expect(m.ends == [100, 200, 300])
        let ten = m.accumulator(0)
        #expect(ten.sum == 9_000_000_000 && ten.count == 3 && ten.max == 4_000_000_000)
        #expect(ten.last?.order == 9 && ten.last?.quantity == 4_000_000_000)
        #expect(m.distinctValues(0) == [1, 2, 3])
        #expect(m.accumulator(1).sum == 5_000_000_000 && m.accumulator(1).count == 1 && m.distinctValues(1) == [])
        #expect(m.accumulator(2).sum == 1_000_000_000 && m.accumulator(2).last?.quantity == 1_000_000_000 && m.distinctValues(2) == [7])
    }

    /// A merge with an empty run gives the other run unchanged.
    @Test func mergingWithNothingKeepsTheRun() {
        let a = UsageCountsTests.run([(5, 50, [(1, 10, 1)], 1, [4, 2])])
        let m = UsageCounts.merging(UsageCounts(), a)
        #expect(m.keys == [5] && m.ends == [50] && m.accumulator(0).count == 1 && m.distinctValues(0) == [2, 4])
    }

    /// Two sums that together pass what an Int128 holds mark the merged tally overflowed (the
    /// scanner then stops with a data error).
    @Test func sumsPastInt128AreMarkedOverflowed() {
        var big = UsageTally()
        big.add(quantity: Int128.max - 1, at: Timestamp.Instant(seconds: 1, nanos: 0), order: 1)
        let a = UsageCounts(keys: [1], ends: [2], tally: { _ in big }, latestQuantity: { _ in 0 }, valuePairs: WordSet())
        let b = UsageCounts(keys: [1], ends: [2], tally: { _ in big }, latestQuantity: { _ in 0 }, valuePairs: WordSet())
        #expect(!a.tallies[0].overflowed)
        #expect(UsageCounts.merging(a, b).tallies[0].overflowed)
    }
}
