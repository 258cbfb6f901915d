import BillingCore
import Testing
@testable import BillingIO

/// Pass 2's workers' accumulators (`UsageCounts.Run`) merged in key order (decision 74).
struct UsageCountsTests {
    /// One accumulator's events: (quantity in whole units, seconds, order) each.
    static func tally(_ events: [(Int, Int, Int64)]) -> UsageTally {
        var t = UsageTally()
        for (q, s, o) in events { t.add(quantity: Int128(q) * 1_000_000_000, at: Timestamp.Instant(seconds: s, nanos: 0), order: o) }
        return t
    }

    /// One accumulator of a run: its events, its latest quantity (whole units) and its values.
    typealias Entry = (events: [(Int, Int, Int64)], latest: Int, values: [Int32])

    /// A run over `UsageCountsTests.denseKeys`' four dense slots: `dense` the slots it used, `extras` its
    /// other accumulators by key (already in key order, as `PassTwo.finish` leaves them).
    static func run(dense: [Int: Entry], extras: [(key: Int, end: Int, entry: Entry)]) -> UsageCounts.Run {
        let tallies = CacheLineTable<UsageTally>(zeroedCount: 4), latest = CacheLineTable<Int128>(zeroedCount: 4)
        for (slot, e) in dense {
            tallies.update(slot) { $0 = tally(e.events) }
            latest.update(slot) { $0 = Int128(e.latest) * 1_000_000_000 }
        }
        var run = UsageCounts.Run(tallies: tallies, latestQuantities: latest, denseCount: 4)
        run.densePairs = dense.flatMap { slot, e in e.values.map { UInt64(slot) << 32 | UInt64($0) } }.sorted()
        for (place, x) in extras.enumerated() {
            run.extraKeys.append(x.key)
            run.extraEnds.append(x.end)
            run.extraTallies.append(tally(x.entry.events))
            run.extraLatest.append(Int128(x.entry.latest) * 1_000_000_000)
            run.extraPairs += x.entry.values.sorted().map { UInt64(place) << 32 | UInt64($0) }
        }
        return run
    }

    /// Dense slots 0–3: keys 100, 200, none (a subscription with one near period) and 400; the
    /// first day after each one's period 1,000, 2,000, 0 and 4,000.
    static let denseKeys = [100, 200, -1, 400]
    static let denseEnds = [1_000, 2_000, 0, 4_000]

    /// Run a: dense slot 0 (key 100: quantities 2 and 3, the latest at 100 s, order 7; values
    /// {1, 2}) and slot 3 (key 400: 1), other accumulators 30 (7, value 8) and 250 (5 at 60 s,
    /// value 9). Run b: slot 0 (4 at the same 100 s with order 9; values {2, 3}) and slot 1 (key
    /// 200: 6), other accumulators 250 (6 at 50 s, values {9, 10}) and 500 (1).
    ///
    /// Merged, in either order: keys 30, 100, 200, 250, 400, 500 (the others fall before, between
    /// and after the dense slots; slot 2, used by neither, is not there). Key 100 sums 2 + 3 + 4 =
    /// 9 over 3 events, max 4, last b's 4 (a later order wins a tie); values {1, 2} ∪ {2, 3} =
    /// {1, 2, 3}. Key 250 sums 5 + 6 = 11 over 2, max 6, last a's 5 (60 s is after 50 s); values
    /// {9} ∪ {9, 10} = {9, 10}. The others are as their own run had them.
    @Test(arguments: [false, true]) func runsMergeInKeyOrderWithSharedAccumulatorsMerged(bFirst: Bool) {
        let a = UsageCountsTests.run(
            dense: [0: ([(2, 90, 3), (3, 100, 7)], 3, [1, 2]), 3: ([(1, 10, 1)], 1, [])],
            extras: [(30, 300, ([(7, 20, 4)], 7, [8])), (250, 2_500, ([(5, 60, 2)], 5, [9]))])
        let b = UsageCountsTests.run(
            dense: [0: ([(4, 100, 9)], 4, [2, 3]), 1: ([(6, 70, 5)], 6, [])],
            extras: [(250, 2_500, ([(6, 50, 3)], 6, [10, 9])), (500, 5_000, ([(1, 80, 6)], 1, []))])
        let m = UsageCounts(merging: bFirst ? [b, a] : [a, b], denseKeys: UsageCountsTests.denseKeys, denseEnds: UsageCountsTests.denseEnds)
        #expect(m.keys == [30, 100, 200, 250, 400, 500])
        #expect(m.ends == [300, 1_000, 2_000, 2_500, 4_000, 5_000])
        let hundred = m.accumulator(1)
        #expect(hundred.sum == 9_000_000_000 && hundred.count == 3 && hundred.max == 4_000_000_000)
        #expect(hundred.last?.order == 9 && hundred.last?.quantity == 4_000_000_000)
        #expect(m.distinctValues(1) == [1, 2, 3])
        let twoFifty = m.accumulator(3)
        #expect(twoFifty.sum == 11_000_000_000 && twoFifty.count == 2 && twoFifty.max == 6_000_000_000)
        #expect(twoFifty.last?.order == 2 && twoFifty.last?.quantity == 5_000_000_000)
        #expect(m.distinctValues(3) == [9, 10])
        #expect(m.accumulator(0).sum == 7_000_000_000 && m.distinctValues(0) == [8])
        #expect(m.accumulator(2).sum == 6_000_000_000 && m.accumulator(2).count == 1 && m.distinctValues(2) == [])
        #expect(m.accumulator(4).sum == 1_000_000_000 && m.accumulator(5).last?.quantity == 1_000_000_000)
    }

    /// One run alone comes out as it is, and no runs give no accumulators.
    @Test func oneRunKeepsItsAccumulatorsAndNoneGiveNothing() {
        let a = UsageCountsTests.run(dense: [1: ([(1, 10, 1)], 1, [4, 2])], extras: [(150, 1_500, ([(2, 20, 2)], 2, [5]))])
        let m = UsageCounts(merging: [a], denseKeys: UsageCountsTests.denseKeys, denseEnds: UsageCountsTests.denseEnds)
        #expect(m.keys == [150, 200] && m.ends == [1_500, 2_000])
        #expect(m.accumulator(0).count == 1 && m.distinctValues(0) == [5] && m.distinctValues(1) == [2, 4])
        #expect(UsageCounts(merging: [], denseKeys: UsageCountsTests.denseKeys, denseEnds: UsageCountsTests.denseEnds).count == 0)
    }

    /// Two sums that together pass what an Int128 holds mark the merged tally overflowed (the
    /// scanner then stops with a data error).
    @Test func sumsPastInt128AreMarkedOverflowed() {
        var big = UsageTally()
        big.add(quantity: Int128.max - 1, at: Timestamp.Instant(seconds: 1, nanos: 0), order: 1)
        let runs = (0..<2).map { _ in
            let t = CacheLineTable<UsageTally>(zeroedCount: 4)
            t.update(0) { $0 = big }
            return UsageCounts.Run(tallies: t, latestQuantities: CacheLineTable(zeroedCount: 4), denseCount: 4)
        }
        #expect(!UsageCounts(merging: [runs[0]], denseKeys: UsageCountsTests.denseKeys, denseEnds: UsageCountsTests.denseEnds).tallies[0].overflowed)
        #expect(UsageCounts(merging: runs, denseKeys: UsageCountsTests.denseKeys, denseEnds: UsageCountsTests.denseEnds).tallies[0].overflowed)
    }

    /// A worker's `finish` sorts its other accumulators by key and renumbers their values by
    /// place: made in the order 50, 10 (slots 2 and 3 after two dense ones), with values 7 and 3,
    /// they come out as 10, 50 with pairs (0, 3) and (1, 7); dense slot 1's value 5 stays (1, 5).
    @Test func finishSortsTheOtherAccumulatorsAndRenumbersTheirValues() throws {
        var r = UsageScanner.PassTwo(denseCount: 2)
        for (key, end) in [(50, 500), (10, 100)] {
            r.keys.append(key)
            r.ends.append(end)
            r.tallies.append(UsageCountsTests.tally([(key, 1, 1)]))
            r.latestQuantities.append(Int128(key))
        }
        r.tallies.update(1) { $0 = UsageCountsTests.tally([(9, 1, 1)]) }
        for pair in [UInt64(2) << 32 | 7, UInt64(3) << 32 | 3, UInt64(1) << 32 | 5] { r.valuePairs.insert(pair) }
        r.finish()
        let run = try #require(r.run)
        #expect(run.extraKeys == [10, 50] && run.extraEnds == [100, 500] && run.extraLatest == [10, 50])
        #expect(run.extraTallies.map(\.sum) == [10_000_000_000, 50_000_000_000])
        #expect(run.extraPairs == [0 << 32 | 3, 1 << 32 | 7])
        #expect(run.densePairs == [1 << 32 | 5])
    }
}
