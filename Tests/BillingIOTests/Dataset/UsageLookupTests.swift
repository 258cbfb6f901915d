import BillingCore
import Testing
@testable import BillingIO

/// `UsageLookup.metric(of:named:)`: a usage row's metric, found among its subscription's metrics.
struct UsageLookupTests {
    static let usd = Currency(code: "USD")!

    /// A catalog of one subscription `S` on plan `A`, whose charges are `onA`, beside plan `B`
    /// (no subscription) with `onB`.
    func lookup(onA: [String], onB: [String], alsoOnA: [String] = [], changedToB: [String] = []) throws -> UsageLookup {
        func plan(_ id: String, _ metrics: [String]) -> Plan {
            Plan(
                id: id, name: id, currency: UsageLookupTests.usd, interval: .month, price: ExactDecimal(parsing: "10")!,
                charges: metrics.map { UsageCharge(metric: $0, aggregation: .sum, model: .perUnit(unitPrice: ExactDecimal(parsing: "1")!)) })
        }
        var catalog = Catalog()
        catalog.plans = ["A": plan("A", onA), "B": plan("B", onB)]
        for id in ["S"] + alsoOnA {
            catalog.subscriptions[id] = Subscription(id: id, customerID: "C", planID: "A", startDate: CivilDate(parsing: "2026-01-01")!)
        }
        for id in changedToB {
            catalog.changes[id] = [
                SubscriptionChange(
                    subscriptionID: id, effectiveDate: CivilDate(parsing: "2026-11-15")!, planID: "B", quantity: nil,
                    source: SourceLocation(file: "subscription_changes.csv", line: 2))
            ]
        }
        let window = DateRange(CivilDate(parsing: "2026-11-01")!, CivilDate(parsing: "2026-12-01")!)
        return try UsageLookup(catalog: catalog, settings: BillingSettings(), window: window, endedOn: [:], workers: 1)
    }

    func find(_ lookup: UsageLookup, _ name: String, of sub: Int = 0) -> String? {
        var name = name
        return name.withUTF8 { b in lookup.metric(of: sub, named: UnsafeRawBufferPointer(b)).map { lookup.metricNames[$0] } }
    }

    /// The lookup copies the subscriptions in id order over every core (decision 85): 5,000 ids
    /// `S-0000` … `S-4999` (digits padded, so text order is number order), given in the
    /// dictionary's own order, come out in number order, each record whole (its customer is
    /// `C-` and the same digits); their plans are numbered (one plan, number 0) but for `X`'s,
    /// whose plan the catalog lacks (−1), the last in id order.
    @Test func subscriptionsAreCopiedInIDOrder() throws {
        var catalog = Catalog()
        catalog.plans["A"] = Plan(id: "A", name: "A", currency: UsageLookupTests.usd, interval: .month, price: ExactDecimal(parsing: "10")!)
        let digits = (0..<5000).map { n in String(String(n + 10_000).dropFirst()) }
        for d in digits {
            catalog.subscriptions["S-" + d] = Subscription(id: "S-" + d, customerID: "C-" + d, planID: "A", startDate: CivilDate(parsing: "2026-01-01")!)
        }
        catalog.subscriptions["X"] = Subscription(id: "X", customerID: "C-X", planID: "none", startDate: CivilDate(parsing: "2026-01-01")!)
        let window = DateRange(CivilDate(parsing: "2026-11-01")!, CivilDate(parsing: "2026-12-01")!)
        let lookup = try UsageLookup(catalog: catalog, settings: BillingSettings(), window: window, endedOn: [:], workers: 2)
        #expect(lookup.subscriptions.map(\.id) == digits.map { "S-" + $0 } + ["X"])
        #expect(lookup.subscriptions.map(\.customerID) == digits.map { "C-" + $0 } + ["C-X"])
        #expect(lookup.planNumbers == [Int32](repeating: 0, count: 5000) + [-1])
    }

    /// The subscriptions by id are a sparse table, 4 slots a key (decision 77): 3 subscriptions
    /// in 16 slots, each found at its index in id order.
    @Test func subscriptionIndexHasFourSlotsAKey() throws {
        let lookup = try lookup(onA: ["a"], onB: [], alsoOnA: ["R", "T"])
        #expect(lookup.subscriptionIndex.slotsPerKey == 4 && lookup.subscriptionIndex.slotCount == 16)
        #expect(["R", "S", "T"].indices.allSatisfy { lookup.subscriptionIndex.find(["R", "S", "T"][$0]) == $0 })
    }

    /// A subscription changed to another plan meters that plan's metrics too, and only it: of
    /// `R`, `S` and `T` (indexes 0, 1, 2 in id order), all on plan A (`a`), `S` changes to plan B
    /// (`b`) in November, so `b` is found for `S` alone; `a` for all three.
    @Test func aChangedSubscriptionMetersItsOtherPlansMetrics() throws {
        let lookup = try lookup(onA: ["a"], onB: ["b"], alsoOnA: ["R", "T"], changedToB: ["S"])
        #expect(lookup.subscriptions.map(\.id) == ["R", "S", "T"])
        #expect(find(lookup, "b", of: 1) == "b")
        #expect(find(lookup, "b", of: 0) == nil && find(lookup, "b", of: 2) == nil)
        #expect((0..<3).allSatisfy { find(lookup, "a", of: $0) == "a" })
    }

    /// Names of every length the two-word comparison handles (1 to 16 bytes), and longer ones,
    /// which go through the table: each of the plan's own is found as itself; a metric of the
    /// other plan only, a name one byte shorter or longer (`aaa` loads the same words as `aa`:
    /// the lengths tell them apart), one differing in its middle byte, and an empty name are not.
    @Test func findsThePlansOwnMetricsOnly() throws {
        let own = ["a", "aa", "abc", "abcd", "abcdefg", "abcdefgh", "api_calls_total1", "api_calls_total12", String(repeating: "m", count: 40)]
        let lookup = try lookup(onA: own, onB: ["seats", "abcde", "abcdefghi"])
        for name in own { #expect(find(lookup, name) == name) }
        for name in ["aaa", "seats", "abcde", "abcdefghi", "ab", "abcdefgh1", "abXd", "api_calls_totaL1", "api_calls_total123", String(repeating: "m", count: 39), "", "zz"] {
            #expect(find(lookup, name) == nil, "\(name)")
        }
    }

    /// Dense slots: plan A meters `a` and `c` of the catalog's `a`, `b`, `c` (plan B meters `b`),
    /// so S has 2 pairs, numbered 0 and 1, each with November (near period 0) and December (1):
    /// slots 0–3 = (a, Nov), (a, Dec), (c, Nov), (c, Dec). An event of `c` in December is slot
    /// (0 + rank 1) × 2 + 1 = 3; one in July (no near period) has none. With over 64 metrics in
    /// the catalog there are no dense slots.
    @Test func denseSlotsNumberPairsAndNearPeriodsInKeyOrder() throws {
        let lookup = try lookup(onA: ["a", "c"], onB: ["b"])
        #expect(lookup.metricNames == ["a", "b", "c"])
        let day = { (text: String) in CivilDate(parsing: text)!.dayNumber }
        let (nov, dec, jan) = (day("2026-11-01"), day("2026-12-01"), day("2027-01-01"))
        #expect(lookup.denseCount == 4 && lookup.hot[0].pairBase == 0)
        #expect(lookup.denseKeys == [lookup.key(0, 0, nov), lookup.key(0, 0, dec), lookup.key(0, 2, nov), lookup.key(0, 2, dec)])
        #expect(lookup.denseKeys == lookup.denseKeys.sorted())
        #expect(lookup.denseEnds == [dec, jan, dec, jan])
        let h = lookup.hot[0]
        #expect(lookup.denseSlot(h, metric: 2, period: (dec, jan)) == 3)
        #expect(lookup.denseSlot(h, metric: 0, period: (nov, dec)) == 0)
        #expect(lookup.denseSlot(h, metric: 2, period: (day("2026-07-01"), day("2026-08-01"))) == -1)
        let wide = try self.lookup(onA: (0..<70).map { "m\($0)" }, onB: [])
        #expect(wide.denseCount == 0 && wide.denseSlot(wide.hot[0], metric: 1, period: (nov, dec)) == -1)
    }

    /// With over 64 metrics in the catalog a subscription's are a sorted list; names are then
    /// looked up in the table, and the answers are the same.
    @Test func findsThemAmongManyMetrics() throws {
        let own = (0..<70).map { "m\($0)" }
        let lookup = try lookup(onA: own, onB: ["other"])
        #expect(lookup.wideMetrics != nil)
        for name in own { #expect(find(lookup, name) == name) }
        for name in ["other", "m70", "m", ""] { #expect(find(lookup, name) == nil, "\(name)") }
    }
}

/// Served periods are computed ahead only for subscriptions with a metric on one of their plans.
struct UsageLookupServedPeriodTests {
    /// `M` on metered plan `A`, `F` on flat plan `B` (no charges), both monthly from 2026-01-01;
    /// the run window is November 2026.
    func lookup() throws -> UsageLookup {
        let usd = Currency(code: "USD")!
        func plan(_ id: String, _ metrics: [String]) -> Plan {
            Plan(
                id: id, name: id, currency: usd, interval: .month, price: ExactDecimal(parsing: "10")!,
                charges: metrics.map { UsageCharge(metric: $0, aggregation: .sum, model: .perUnit(unitPrice: ExactDecimal(parsing: "1")!)) })
        }
        var catalog = Catalog()
        catalog.plans = ["A": plan("A", ["api_calls"]), "B": plan("B", [])]
        let start = CivilDate(parsing: "2026-01-01")!
        catalog.subscriptions = [
            "M": Subscription(id: "M", customerID: "C", planID: "A", startDate: start),
            "F": Subscription(id: "F", customerID: "C", planID: "B", startDate: start),
        ]
        let window = DateRange(CivilDate(parsing: "2026-11-01")!, CivilDate(parsing: "2026-12-01")!)
        return try UsageLookup(catalog: catalog, settings: BillingSettings(), window: window, endedOn: [:], workers: 2)
    }

    /// Sorted by id, `F` is subscription 0 and `M` subscription 1. `M`'s periods are computed
    /// ahead for the days from 62 before the window to 62 after it (2026-08-31 to 2027-01-31:
    /// the monthly periods from August's, which ends 09-01, to January 2027's, 6 of them) and
    /// copied into its record; `F` has none computed, yet its period of a November day is found
    /// all the same (computed on demand): 2026-11-01 up to 2026-12-01, as `M`'s. Days outside the
    /// computed ones find theirs too: 2026-07-15 in [07-01, 08-01), 2027-03-10 in [03-01, 04-01).
    @Test func flatSubscriptionsGetTheirPeriodsOnlyOnDemand() throws {
        let lookup = try lookup()
        #expect(lookup.subscriptions.map(\.id) == ["F", "M"])
        #expect(lookup.hot[0].periodCount == 0)
        #expect(lookup.hot[0].horizon == Int32.min)
        #expect(lookup.hot[1].periodCount == 6)
        #expect(lookup.lowDay == CivilDate(parsing: "2026-08-31")!.dayNumber)
        #expect(Int(lookup.hot[1].horizon) == CivilDate(parsing: "2027-02-01")!.dayNumber)
        let november = CivilDate(parsing: "2026-11-01")!.dayNumber, december = CivilDate(parsing: "2026-12-01")!.dayNumber
        #expect(Int(lookup.hot[1].nearStart0) == november && Int(lookup.hot[1].nearEnd0) == december)
        let day = CivilDate(parsing: "2026-11-15")!.dayNumber
        var far = UsageLookup.FarPeriods()
        for sub in [0, 1] {
            let period = lookup.servedPeriod(of: sub, on: day, far: &far)
            #expect(period?.start == november && period?.end == december, "\(sub)")
        }
        for (date, start, end) in [("2026-07-15", "2026-07-01", "2026-08-01"), ("2027-03-10", "2027-03-01", "2027-04-01")] {
            let d = CivilDate(parsing: date)!.dayNumber
            let expected = (CivilDate(parsing: start)!.dayNumber, CivilDate(parsing: end)!.dayNumber)
            for sub in [0, 1] {
                let period = lookup.servedPeriod(of: sub, on: d, far: &far)
                #expect(period?.start == expected.0 && period?.end == expected.1, "\(sub) \(date)")
            }
        }
        // Before the subscription started, no period holds the day, for either.
        let before = CivilDate(parsing: "2025-12-31")!.dayNumber
        for sub in [0, 1] { #expect(lookup.servedPeriod(of: sub, on: before, far: &far) == nil, "\(sub)") }
    }

    /// A record's two near periods, [10, 20) and [20, 51) as day numbers: a day is in the one
    /// whose first day it is on or after and whose end it is before; 51 (the second's end) and 9
    /// are in neither, nor is any day of a record with no near period (both empty).
    @Test(arguments: [(9, nil), (10, 10), (19, 10), (20, 20), (50, 20), (51, nil)] as [(Int, Int?)])
    func nearPeriodHoldsItsDays(day: Int, start: Int?) {
        var h = UsageLookup.Hot(start: 0, firstPaid: 0, cancel: Int32.max, hasPlan: true)
        (h.nearStart0, h.nearEnd0, h.nearStart1, h.nearEnd1) = (10, 20, 20, 51)
        let near = UsageLookup.nearPeriod(h, on: day)
        #expect(near?.start == start)
        #expect(near?.end == start.map { $0 == 10 ? 20 : 51 })
        #expect(UsageLookup.nearPeriod(UsageLookup.Hot(start: 0, firstPaid: 0, cancel: Int32.max, hasPlan: true), on: day) == nil)
    }
}
