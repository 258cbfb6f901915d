import Testing
@testable import BillingCore

struct RecurringRaterTests {
    func rate(_ plan: Plan, _ sub: Subscription, until: String, _ s: BillingSettings = Fx.settings(), endedOn: String? = nil) throws -> [String] {
        Fx.lines(try RecurringRater(settings: s).items(for: sub, plan: plan, until: Fx.d(until), endedOn: endedOn.map(Fx.d)))
    }

    /// Anniversary on the 31st: periods start Jan 31, Feb 28 (2026 is not a leap year), Mar 31, Apr 30.
    @Test func advanceAnniversaryOnThe31st() throws {
        #expect(try rate(Fx.plan("10.00"), Fx.sub("2026-01-31"), until: "2026-05-01") == [
            "2026-01-31 2026-01-31..2026-02-28 10.00 recurring", "2026-02-28 2026-02-28..2026-03-31 10.00 recurring",
            "2026-03-31 2026-03-31..2026-04-30 10.00 recurring", "2026-04-30 2026-04-30..2026-05-31 10.00 recurring",
        ])
    }

    /// Calendar alignment, started 11-10: [11-10, 12-01) is 21 of November's 30 days: 30.00 × 21 / 30 = 21.00.
    @Test func calendarFirstPartialPeriod() throws {
        #expect(try rate(Fx.plan("30.00"), Fx.sub("2026-11-10"), until: "2027-01-01", Fx.settings(.calendar)) == [
            "2026-11-10 2026-11-10..2026-12-01 21.00 recurring", "2026-12-01 2026-12-01..2027-01-01 30.00 recurring",
        ])
    }

    /// SPEC §4/§5: started 2012-05-01 with billing day 25: 249.95 × 24 / 30 = 199.96.
    @Test func billingDayPartialPeriod() throws {
        #expect(try rate(Fx.plan("249.95"), Fx.sub("2012-05-01", billingDay: 25), until: "2012-05-02") == [
            "2012-05-01 2012-05-01..2012-05-25 199.96 recurring",
        ])
    }

    /// Started 2023-05-23 with billing day 15: the first fraction is 23/31 ([05-23, 06-15) of
    /// [05-15, 06-15)): 31.00 × 23 / 31 = 23.00, then full months from 06-15.
    @Test func billingDay15FirstFraction() throws {
        #expect(try rate(Fx.plan("31.00"), Fx.sub("2023-05-23", billingDay: 15), until: "2023-06-16") == [
            "2023-05-23 2023-05-23..2023-06-15 23.00 recurring", "2023-06-15 2023-06-15..2023-07-15 31.00 recurring",
        ])
    }

    /// Yearly, calendar-aligned, started 2025-01-04: [2025-01-04, 2026-01-01) is 362 of 365 days:
    /// 2399.95 × 362 / 365 = 2380.2243… → 2380.22.
    @Test func yearlyPartialPeriod() throws {
        #expect(try rate(Fx.plan("2399.95", .year), Fx.sub("2025-01-04"), until: "2025-01-05", Fx.settings(.calendar)) == [
            "2025-01-04 2025-01-04..2026-01-01 2380.22 recurring",
        ])
    }

    /// Quarterly, calendar-aligned, started 05-10: [05-10, 07-01) is 52 of the 91 days of
    /// [04-01, 07-01): 300 × 52 / 91 = 171.428… → 171.43.
    @Test func quarterlyCalendarPartialPeriod() throws {
        #expect(try rate(Fx.plan("300", count: 3), Fx.sub("2026-05-10"), until: "2026-05-11", Fx.settings(.calendar)) == [
            "2026-05-10 2026-05-10..2026-07-01 171.43 recurring",
        ])
    }

    /// Arrears: [10-01, 11-01) is billed on 11-01, so a run ending 11-01 does not have it yet.
    @Test func arrearsBilledTheDayAfterThePeriod() throws {
        #expect(try rate(Fx.plan("99.00", timing: .arrears), Fx.sub("2026-10-01"), until: "2026-11-01").isEmpty)
        #expect(try rate(Fx.plan("99.00", timing: .arrears), Fx.sub("2026-10-01"), until: "2026-11-02") == [
            "2026-11-01 2026-10-01..2026-11-01 99.00 recurring",
        ])
    }

    /// Arrears cancelled 10-16: the served part [10-01, 10-16) on the cancel date: 99 × 15 / 31 = 47.903… → 47.90.
    @Test func arrearsCancelledBillsServedPart() throws {
        #expect(try rate(Fx.plan("99.00", timing: .arrears), Fx.sub("2026-10-01", cancel: "2026-10-16"), until: "2027-01-01") == [
            "2026-10-16 2026-10-01..2026-10-16 47.90 recurring",
        ])
    }

    /// A 14-day trial from 11-10: no fee until the first paid day 11-24, then a full period from it.
    @Test func trialThenFullPeriod() throws {
        #expect(try rate(Fx.plan("49.00", trial: 14), Fx.sub("2026-11-10", quantity: 3), until: "2026-12-01") == [
            "2026-11-24 2026-11-24..2026-12-24 147.00 recurring",
        ])
        #expect(try rate(Fx.plan("49.00", trial: 14), Fx.sub("2026-11-10", cancel: "2026-11-20"), until: "2027-01-01").isEmpty)
    }

    /// Yearly 2399.95 billed for [2013-08-18, 2014-08-18) and cancelled 2013-09-17: credit
    /// −2399.95 × 335 / 365 = −2202.694… → −2202.69 on the cancel date; nothing after.
    @Test func cancelCreditsUnusedAdvancePeriod() throws {
        #expect(try rate(Fx.plan("2399.95", .year), Fx.sub("2013-08-18", cancel: "2013-09-17"), until: "2015-01-01") == [
            "2013-08-18 2013-08-18..2014-08-18 2399.95 recurring", "2013-09-17 2013-09-17..2014-08-18 -2202.69 credit",
        ])
    }

    @Test func cancelWithoutProrationCreditsNothing() throws {
        #expect(try rate(Fx.plan("100"), Fx.sub("2026-11-01", cancel: "2026-11-16"), until: "2027-01-01", Fx.settings(proration: .none)) == [
            "2026-11-01 2026-11-01..2026-12-01 100.00 recurring",
        ])
        // A partial first period is charged in full without proration.
        #expect(try rate(Fx.plan("30.00"), Fx.sub("2026-11-10"), until: "2026-11-11", Fx.settings(.calendar, proration: .none)) == [
            "2026-11-10 2026-11-10..2026-12-01 30.00 recurring",
        ])
    }

    /// Dunning cancelled the subscription on 11-24 (the day its period was billed): the billed
    /// period stays, nothing is credited, and no later period is billed.
    @Test func dunningEndStopsBillingWithoutCredit() throws {
        #expect(try rate(Fx.plan("49.00"), Fx.sub("2026-11-24"), until: "2027-03-01", endedOn: "2026-11-24") == [
            "2026-11-24 2026-11-24..2026-12-24 49.00 recurring",
        ])
    }

    /// RatingRun keeps only items billed on or after `since` (history before the ledger is not billed).
    @Test func sinceDropsEarlierItems() throws {
        var catalog = Catalog()
        catalog.customers["C"] = Customer(id: "C", name: "C", country: "US", currency: Fx.usd)
        catalog.plans["P"] = Fx.plan("10.00")
        catalog.subscriptions["S"] = Fx.sub("2026-01-15")
        catalog.taxRates = [TaxRate(country: "US", category: "standard", rate: .zero)]
        let items = try RatingRun(catalog: catalog, settings: Fx.settings()).items(since: Fx.d("2026-11-01"), until: Fx.d("2026-12-01"))
        #expect(Fx.lines(items) == ["2026-11-15 2026-11-15..2026-12-15 10.00 recurring"])
    }

    /// The rate stage rates slices of the sorted subscriptions on different cores and joins them:
    /// each slice alone gives its own subscriptions' items, and the joined slices the whole run's.
    /// S1 from 11-15 at 10.00 and S2 from 11-03 at 10.00 × 2 = 20.00, each one full month.
    @Test func slicesJoinedAreTheWholeRun() throws {
        var catalog = Catalog()
        catalog.customers["C"] = Customer(id: "C", name: "C", country: "US", currency: Fx.usd)
        catalog.plans["P"] = Fx.plan("10.00")
        var s1 = Fx.sub("2026-11-15"), s2 = Fx.sub("2026-11-03", quantity: 2)
        (s1.id, s2.id) = ("S1", "S2")
        (catalog.subscriptions["S1"], catalog.subscriptions["S2"]) = (s1, s2)
        catalog.taxRates = [TaxRate(country: "US", category: "standard", rate: .zero)]
        let run = RatingRun(catalog: catalog, settings: Fx.settings())
        let (since, until) = (Fx.d("2026-11-01"), Fx.d("2026-12-01"))
        let subs = catalog.sortedSubscriptions
        let first = try run.items(of: subs[0..<1], since: since, until: until)
        let second = try run.items(of: subs[1..<2], since: since, until: until)
        #expect(Fx.lines(first) == ["2026-11-15 2026-11-15..2026-12-15 10.00 recurring"])
        #expect(Fx.lines(second) == ["2026-11-03 2026-11-03..2026-12-03 20.00 recurring"])
        #expect(try run.items(since: since, until: until) == first + second)
    }
}

/// Plan and quantity changes (SPEC §5, issue #3), each figure worked by hand.
struct ChangeRatingTests {
    let basic = Plan(id: "basic", name: "Basic", currency: Fx.usd, interval: .month, price: Fx.dec("10.00"))
    let pro = Plan(id: "pro", name: "Pro", currency: Fx.usd, interval: .month, price: Fx.dec("20.00"))
    let annual = Plan(id: "annual", name: "Annual", currency: Fx.usd, interval: .year, price: Fx.dec("120.00"))
    let metered = Plan(id: "support", name: "Support", currency: Fx.usd, interval: .month, price: Fx.dec("30.00"), feeTiming: .arrears)
    let metered2 = Plan(id: "support2", name: "Support+", currency: Fx.usd, interval: .month, price: Fx.dec("60.00"), feeTiming: .arrears)

    func rate(_ plan: Plan, _ sub: Subscription, _ changes: [(String, String?, Int?)], until: String, _ s: BillingSettings = Fx.settings()) throws -> [String] {
        let plans = Dictionary(uniqueKeysWithValues: [basic, pro, annual, metered, metered2].map { ($0.id, $0) })
        let ch = changes.map {
            SubscriptionChange(subscriptionID: "S", effectiveDate: Fx.d($0.0), planID: $0.1, quantity: $0.2, source: SourceLocation(file: "c", line: 0))
        }
        let items = try RecurringRater(settings: s).items(for: sub, plan: plan, changes: ch, plans: plans, until: Fx.d(until))
        return items.map { "\($0.billingDate) \($0.planID) \($0.period.start)..\($0.period.end) \($0.amount) \($0.kind.rawValue)" }
    }

    /// The served parts of a subscription's periods, as `start..end` (end exclusive).
    func served(
        _ plan: Plan, _ sub: Subscription, _ changes: [(String, String?, Int?)], from: String? = nil, until: String, endedOn: String? = nil
    ) -> [String] {
        servedPeriods(plan, sub, changes, from: from, until: until, endedOn: endedOn).map { "\($0.served.start)..\($0.served.end)" }
    }

    func servedPeriods(
        _ plan: Plan, _ sub: Subscription, _ changes: [(String, String?, Int?)], from: String? = nil, until: String, endedOn: String? = nil
    ) -> [RecurringRater.ServedPeriod] {
        let plans = Dictionary(uniqueKeysWithValues: [basic, pro, annual, metered, metered2].map { ($0.id, $0) })
        let ch = changes.map {
            SubscriptionChange(subscriptionID: "S", effectiveDate: Fx.d($0.0), planID: $0.1, quantity: $0.2, source: SourceLocation(file: "c", line: 0))
        }
        let timeline = SubscriptionTimeline(subscription: sub, plan: plan, changes: ch, plans: plans)
        return RecurringRater(settings: Fx.settings()).servedPeriods(
            for: sub, timeline: timeline, from: from.map(Fx.d), until: Fx.d(until), endedOn: endedOn.map(Fx.d))
    }

    /// Served periods from a day on: those whose anchored period ends after it, found directly
    /// for a subscription without changes and by filtering the whole list for one with changes,
    /// the same periods either way (each case is also held to the whole list filtered).
    /// - monthly from 2024-03-15, from 2026-09-01: anchored on the 15th, the first kept is
    ///   [08-15, 09-15) (it ends after 09-01), then one a month up to the one starting 12-15;
    /// - cancelled 2026-08-20: only [08-15, 09-15) ends after 09-01, served to the cancel date;
    /// - cancelled 2026-08-15: the last period served ends 08-15, before 09-01: none;
    /// - changed to the annual plan on 2026-11-11 (a restart): October's period ends 11-01, after
    ///   10-05, so it is kept, then November's cut at 11-11, then the year from 11-11;
    /// - started after `from`: every period, as without it.
    @Test(arguments: [
        ("2024-03-15", nil, [], "2026-09-01", ["2026-08-15..2026-09-15", "2026-09-15..2026-10-15", "2026-10-15..2026-11-15", "2026-11-15..2026-12-15", "2026-12-15..2027-01-15"]),
        ("2024-03-15", "2026-08-20", [], "2026-09-01", ["2026-08-15..2026-08-20"]),
        ("2024-03-15", "2026-08-15", [], "2026-09-01", []),
        ("2026-03-01", nil, [("2026-11-11", "annual")], "2026-10-05", ["2026-10-01..2026-11-01", "2026-11-01..2026-11-11", "2026-11-11..2027-11-11"]),
        ("2026-11-01", nil, [], "2026-01-01", ["2026-11-01..2026-12-01", "2026-12-01..2027-01-01"]),
    ] as [(String, String?, [(String, String)], String, [String])])
    func servedPeriodsFromADay(start: String, cancel: String?, changes: [(String, String)], from: String, expected: [String]) {
        let ch = changes.map { ($0.0, Optional($0.1), Int?.none) }
        let sub = Fx.sub(start, cancel: cancel)
        #expect(served(basic, sub, ch, from: from, until: "2027-01-01") == expected)
        let whole = servedPeriods(basic, sub, ch, until: "2027-01-01").filter { $0.full.end > Fx.d(from) }
        #expect(servedPeriods(basic, sub, ch, from: from, until: "2027-01-01") == whole)
    }

    /// Usage is bucketed by served period, so each one must end where service does:
    /// - monthly → yearly on 11-11: November's part ends at the restart, the year runs from 11-11;
    /// - a change to a plan of the same cycle (basic → pro on 11-16) does not cut the period;
    /// - cancelled on 12-10: December's part ends there, and nothing after;
    /// - dunning ended it on 12-10: the same, the last served day is 12-09.
    @Test func servedPeriodsEndWhereServiceDoes() {
        #expect(served(basic, Fx.sub("2026-11-01"), [("2026-11-11", "annual", nil)], until: "2027-01-01") == [
            "2026-11-01..2026-11-11", "2026-11-11..2027-11-11",
        ])
        #expect(served(basic, Fx.sub("2026-11-01"), [("2026-11-16", "pro", nil)], until: "2027-01-01") == [
            "2026-11-01..2026-12-01", "2026-12-01..2027-01-01",
        ])
        #expect(served(basic, Fx.sub("2026-11-01", cancel: "2026-12-10"), [], until: "2027-03-01") == [
            "2026-11-01..2026-12-01", "2026-12-01..2026-12-10",
        ])
        #expect(served(basic, Fx.sub("2026-11-01"), [], until: "2027-03-01", endedOn: "2026-12-10") == [
            "2026-11-01..2026-12-01", "2026-12-01..2026-12-10",
        ])
    }

    /// 10.00 → 20.00 exactly halfway through the 30-day [11-01, 12-01): credit −10.00 × 15 / 30 =
    /// −5.00 and charge 20.00 × 15 / 30 = 10.00, both on 11-16; December at 20.00.
    @Test func upgradeHalfway() throws {
        #expect(try rate(basic, Fx.sub("2026-11-01"), [("2026-11-16", "pro", nil)], until: "2026-12-02") == [
            "2026-11-01 basic 2026-11-01..2026-12-01 10.00 recurring",
            "2026-11-16 basic 2026-11-16..2026-12-01 -5.00 credit",
            "2026-11-16 pro 2026-11-16..2026-12-01 10.00 recurring",
            "2026-12-01 pro 2026-12-01..2027-01-01 20.00 recurring",
        ])
    }

    /// Two changes in one 30-day period, each segment credited and charged once: quantity 1 → 3 on
    /// 11-11 (credit −10.00 × 20/30 = −6.67; charge 10.00 × 3 × 20/30 = 20.00), then to Pro at 3 on
    /// 11-21 (credit −20.00 × 10/20 = −10.00 of the line that covered [11-11, 12-01); charge
    /// 20.00 × 3 × 10/30 = 20.00). Net for November: 10.00 − 6.67 + 20.00 − 10.00 + 20.00 = 33.33.
    @Test func twoChangesInOnePeriod() throws {
        #expect(try rate(basic, Fx.sub("2026-11-01"), [("2026-11-11", nil, 3), ("2026-11-21", "pro", nil)], until: "2026-12-01") == [
            "2026-11-01 basic 2026-11-01..2026-12-01 10.00 recurring",
            "2026-11-11 basic 2026-11-11..2026-12-01 -6.67 credit",
            "2026-11-11 basic 2026-11-11..2026-12-01 20.00 recurring",
            "2026-11-21 basic 2026-11-21..2026-12-01 -10.00 credit",
            "2026-11-21 pro 2026-11-21..2026-12-01 20.00 recurring",
        ])
    }

    /// A downgrade on a period's first day simply bills that period at the new plan: no proration.
    @Test func changeOnPeriodBoundary() throws {
        #expect(try rate(pro, Fx.sub("2026-10-01"), [("2026-11-01", "basic", nil)], until: "2026-12-01") == [
            "2026-10-01 pro 2026-10-01..2026-11-01 20.00 recurring",
            "2026-11-01 basic 2026-11-01..2026-12-01 10.00 recurring",
        ])
    }

    /// Monthly → yearly on 11-11 restarts the cycle: credit the unused 20 of 30 days of the monthly
    /// line (−10.00 × 20/30 = −6.67) and charge a full year from 11-11 (120.00); 11-11 becomes the
    /// anchor, so the next year starts 2027-11-11.
    @Test func monthlyToYearlyRestartsTheCycle() throws {
        #expect(try rate(basic, Fx.sub("2026-11-01"), [("2026-11-11", "annual", nil)], until: "2027-11-12") == [
            "2026-11-01 basic 2026-11-01..2026-12-01 10.00 recurring",
            "2026-11-11 basic 2026-11-11..2026-12-01 -6.67 credit",
            "2026-11-11 annual 2026-11-11..2027-11-11 120.00 recurring",
            "2027-11-11 annual 2027-11-11..2028-11-11 120.00 recurring",
        ])
    }

    /// A change during the trial: the first paid period is simply billed at the new plan.
    @Test func changeDuringTrial() throws {
        let trial = Plan(id: "basic", name: "Basic", currency: Fx.usd, interval: .month, price: Fx.dec("10.00"), trialDays: 14)
        #expect(try rate(trial, Fx.sub("2026-11-01"), [("2026-11-05", "pro", nil)], until: "2026-12-01") == [
            "2026-11-15 pro 2026-11-15..2026-12-15 20.00 recurring",
        ])
    }

    /// Arrears: nothing is credited; the period is billed at its end as prorated segments: 30.00 ×
    /// 10/30 = 10.00 for [11-01, 11-11) and 60.00 × 20/30 = 40.00 for [11-11, 12-01).
    @Test func arrearsSegments() throws {
        #expect(try rate(metered, Fx.sub("2026-11-01"), [("2026-11-11", "support2", nil)], until: "2026-12-02") == [
            "2026-12-01 support 2026-11-01..2026-11-11 10.00 recurring",
            "2026-12-01 support2 2026-11-11..2026-12-01 40.00 recurring",
        ])
    }

    /// Upgrade then cancel in the same period: the cancellation credits the *new* line's unused part:
    /// upgrade on 11-16 (−5.00, +10.00 for [11-16, 12-01)); cancel 11-26: −10.00 × 5/15 = −3.33.
    @Test func cancelAfterUpgradeCreditsTheNewLine() throws {
        #expect(try rate(basic, Fx.sub("2026-11-01", cancel: "2026-11-26"), [("2026-11-16", "pro", nil)], until: "2027-01-01") == [
            "2026-11-01 basic 2026-11-01..2026-12-01 10.00 recurring",
            "2026-11-16 basic 2026-11-16..2026-12-01 -5.00 credit",
            "2026-11-16 pro 2026-11-16..2026-12-01 10.00 recurring",
            "2026-11-26 pro 2026-11-26..2026-12-01 -3.33 credit",
        ])
    }

    /// proration: none: a mid-period change takes effect from the next period; nothing is credited.
    @Test func noProrationDefersChanges() throws {
        #expect(try rate(basic, Fx.sub("2026-11-01"), [("2026-11-16", "pro", nil)], until: "2026-12-02", Fx.settings(proration: .none)) == [
            "2026-11-01 basic 2026-11-01..2026-12-01 10.00 recurring",
            "2026-12-01 pro 2026-12-01..2027-01-01 20.00 recurring",
        ])
    }
}
