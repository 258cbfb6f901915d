import Testing
@testable import BillingCore

struct CalendarTests {
    func d(_ s: String) -> CivilDate { CivilDate(parsing: s)! }

    @Test(arguments: ["2023-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026/01/01"])
    func impossibleOrMalformedDates(text: String) {
        #expect(CivilDate(parsing: text) == nil)
    }

    /// A date or an amount inside a longer text (a `Substring`, read in place) parses as it would
    /// alone; 2024 is a leap year, 2026 is not.
    @Test func datesAndDecimalsParseFromSubstrings() {
        let line = "x,2024-02-29,2026-02-29,-12.50"
        let cells = line.split(separator: ",")
        #expect(CivilDate(parsing: cells[1]) == CivilDate(year: 2024, month: 2, day: 29))
        #expect(CivilDate(parsing: cells[2]) == nil)
        #expect(ExactDecimal(parsing: cells[3]) == ExactDecimal(units: -1250, scale: 2))
        #expect(ExactDecimal(parsing: cells[3].dropLast(2)) == nil)  // "-12." has no digit after its point
    }

    /// Dates written as bytes and as text: four-digit years with their zeros, and a year past 9999
    /// (which only a day number can make).
    @Test func dateBytes() {
        var out: [UInt8] = []
        for d in [CivilDate(year: 2026, month: 1, day: 5)!, CivilDate(year: 1, month: 12, day: 31)!, CivilDate(year: 9999, month: 10, day: 10)!] {
            d.appendDescription(to: &out)
            out.append(UInt8(ascii: " "))
        }
        // 9999-12-31 is day 2 932 896; a year later is 10000-12-31.
        CivilDate(dayNumber: 2_932_896 + 366).appendDescription(to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "2026-01-05 0001-12-31 9999-10-10 10000-12-31")
        // `description` writes the same text on its own path.
        #expect(CivilDate(year: 1, month: 12, day: 31)!.description == "0001-12-31")
        #expect(CivilDate(year: 2026, month: 1, day: 5)!.description == "2026-01-05")
        #expect(CivilDate(dayNumber: 2_932_896 + 366).description == "10000-12-31")
    }

    /// Which (year, month, day) exist: days 1 to 28 of any month skip the leap-year test, so the
    /// cases are the ends of months, the leap rules (2024 by 4, 1900 not by 100, 2000 by 400)
    /// and the edges of years 1 to 9999.
    @Test(arguments: [
        (2026, 1, 1, true), (2026, 1, 31, true), (2026, 1, 32, false), (2026, 1, 0, false), (2026, 4, 30, true), (2026, 4, 31, false),
        (2026, 2, 28, true), (2026, 2, 29, false), (2024, 2, 29, true), (1900, 2, 29, false), (2000, 2, 29, true), (2024, 2, 30, false),
        (2026, 0, 10, false), (2026, 13, 1, false), (2026, 12, 31, true), (1, 1, 1, true), (0, 12, 31, false), (9999, 12, 31, true),
        (10000, 1, 1, false), (-1, 6, 1, false), (2026, -1, 1, false), (2026, 6, -3, false),
    ])
    func whichDatesExist(year: Int, month: Int, day: Int, exists: Bool) {
        #expect(CivilDate.exists(year: year, month: month, day: day) == exists)
        #expect((CivilDate(year: year, month: month, day: day) != nil) == exists)
    }

    /// Day numbers worked out by hand: 1970 to 2000 is 30 × 365 days and 7 leap days (1972 to
    /// 1996), 10,957; then January's 31 and a leap February's 29 make 2000-03-01 day 11,017.
    /// 0001-01-01 is 719,162 days before 1970 (1969 years of 365 days and 477 leap days:
    /// 492 by 4, less 19 by 100, plus 4 by 400); 9999-12-31 is day 2,932,896.
    @Test(arguments: [
        (1970, 1, 1, 0), (1969, 12, 31, -1), (2000, 1, 1, 10_957), (2000, 3, 1, 11_017), (2000, 2, 29, 11_016), (1, 1, 1, -719_162),
        (9999, 12, 31, 2_932_896),
    ])
    func dayNumbersByHand(year: Int, month: Int, day: Int, number: Int) {
        #expect(CivilDate.dayNumber(year: year, month: month, day: day) == number)
        #expect(CivilDate(year: year, month: month, day: day)!.dayNumber == number)
        #expect(CivilDate(dayNumber: number) == CivilDate(year: year, month: month, day: day))
    }

    @Test func dayNumbersRoundTrip() {
        #expect(d("1970-01-01").dayNumber == 0)
        #expect(d("2024-03-01").dayNumber - d("2024-02-28").dayNumber == 2)  // leap year
        for n in stride(from: -1000, to: 30000, by: 37) { #expect(CivilDate(dayNumber: n).dayNumber == n) }
    }

    @Test func billingDay31ClampsToMonthEnd() {
        // Monthly, billing day 31, anchored in January 2024 (a leap year).
        let cycle = BillingCycle(stepMonths: 1, billingDay: 31, anchorMonthIndex: d("2024-01-31").monthIndex)
        #expect((0..<4).map { cycle.anchor($0).description } == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"])
        #expect(cycle.period(containing: d("2024-03-05")) == DateRange(d("2024-02-29"), d("2024-03-31")))
    }

    /// A yearly cycle of `interval_count` 120 (1,440 months) from 9799-12-15 looks two periods
    /// ahead: anchors 9799-12-15, 9919-12-15 and 10039-12-15, the last past 9999-12-31, where
    /// building it stopped on a failed force-unwrap. 10039-12-15 is day 2,932,896 (9999-12-31)
    /// + 1 (10000-01-01) + 39 years to 10039-01-01 with 10 leap days (10000 … 10036; 10000 is
    /// divisible by 400): 39 × 365 + 10 = 14,245, + 334 days to Dec 1 of a common year + 14
    /// = 2,932,896 + 1 + 14,245 + 348 = 2,947,490.
    @Test func anchorsPastYear9999AreComputed() {
        let cycle = BillingCycle(stepMonths: 1440, billingDay: 15, anchorMonthIndex: d("9799-12-15").monthIndex)
        #expect((0..<3).map { cycle.anchor($0).description } == ["9799-12-15", "9919-12-15", "10039-12-15"])
        #expect(cycle.anchor(2).dayNumber == 2_947_490)
        #expect(CivilDate(dayNumber: cycle.anchor(2).dayNumber) == cycle.anchor(2))
        #expect(CivilDate.latestInput.description == "9799-12-31")
    }

    @Test func firstFractionWithBillingDay15() {
        // Started 2023-05-23, billing day 15: the anchored period holding the start is
        // [05-15, 06-15) = 31 days; the first partial period [05-23, 06-15) uses 23 of them.
        let cycle = BillingCycle(
            interval: .month, intervalCount: 1, alignment: .anniversary, billingDay: 15, firstPaid: d("2023-05-23"))
        let full = cycle.period(containing: d("2023-05-23"))
        #expect(full == DateRange(d("2023-05-15"), d("2023-06-15")))
        #expect(full.days == 31)
        #expect(DateRange(d("2023-05-23"), full.end).days == 23)
    }

    @Test func specExampleBillingDay25() {
        // Started 2012-05-01 with billing day 25: [05-01, 05-25) is 24 of the 30 days of [04-25, 05-25).
        let cycle = BillingCycle(
            interval: .month, intervalCount: 1, alignment: .anniversary, billingDay: 25, firstPaid: d("2012-05-01"))
        let full = cycle.period(containing: d("2012-05-01"))
        #expect(full == DateRange(d("2012-04-25"), d("2012-05-25")))
        #expect(full.days == 30 && DateRange(d("2012-05-01"), full.end).days == 24)
    }

    @Test func yearlyKeepsMonthAndDayAndClampsFeb29() {
        let cycle = BillingCycle(interval: .year, intervalCount: 1, alignment: .anniversary, billingDay: nil, firstPaid: d("2024-02-29"))
        #expect(cycle.anchor(1) == d("2025-02-28"))
        #expect(cycle.anchor(4) == d("2028-02-29"))
    }

    @Test func calendarQuarterlyAnchorsOnJanuary() {
        let cycle = BillingCycle(interval: .month, intervalCount: 3, alignment: .calendar, billingDay: nil, firstPaid: d("2026-05-10"))
        #expect(cycle.period(containing: d("2026-05-10")) == DateRange(d("2026-04-01"), d("2026-07-01")))
        let yearly = BillingCycle(interval: .year, intervalCount: 1, alignment: .calendar, billingDay: nil, firstPaid: d("2026-05-10"))
        #expect(yearly.period(containing: d("2026-05-10")) == DateRange(d("2026-01-01"), d("2027-01-01")))
    }

    @Test func monthWindow() {
        #expect(DateRange.month("2026-11") == DateRange(d("2026-11-01"), d("2026-12-01")))
        #expect(DateRange.month("2026-12") == DateRange(d("2026-12-01"), d("2027-01-01")))
        #expect(DateRange.month("2026-13") == nil)
    }
}
