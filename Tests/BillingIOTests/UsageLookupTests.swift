import BillingCore
import Testing
@testable import BillingIO

/// `UsageLookup.metric(of:named:)`: a usage row's metric, found among its subscription's metrics.
struct UsageLookupTests {
    static let usd = Currency(code: "USD")!

    /// A catalog of one subscription `S` on plan `A`, whose charges are `onA`, beside plan `B`
    /// (no subscription) with `onB`.
    func lookup(onA: [String], onB: [String]) throws -> UsageLookup {
        func plan(_ id: String, _ metrics: [String]) -> Plan {
            Plan(
                id: id, name: id, currency: UsageLookupTests.usd, interval: .month, price: ExactDecimal(parsing: "10")!,
                charges: metrics.map { UsageCharge(metric: $0, aggregation: .sum, model: .perUnit(unitPrice: ExactDecimal(parsing: "1")!)) })
        }
        var catalog = Catalog()
        catalog.plans = ["A": plan("A", onA), "B": plan("B", onB)]
        catalog.subscriptions = ["S": Subscription(id: "S", customerID: "C", planID: "A", startDate: CivilDate(parsing: "2026-01-01")!)]
        let window = DateRange(CivilDate(parsing: "2026-11-01")!, CivilDate(parsing: "2026-12-01")!)
        return try UsageLookup(catalog: catalog, settings: BillingSettings(), window: window, endedOn: [:], workers: 1)
    }

    func find(_ lookup: UsageLookup, _ name: String) -> String? {
        var name = name
        return name.withUTF8 { b in lookup.metric(of: 0, named: UnsafeRawBufferPointer(b)).map { lookup.metricNames[$0] } }
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
