/// A calendar date without time or zone (proleptic Gregorian), the unit of every billing period.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The latest date an input may hold (dates in the dataset, the run's month, `billing.since`,
    /// usage timestamps). The pipeline computes forward from its inputs by bounded amounts, and a
    /// date past 9999-12-31 does not exist for it: served periods 62 days past a date, a period
    /// of up to 120 years (`interval_count` 120 of a yearly plan) beyond, payment terms of up to
    /// 3,650 days and retries of up to 365 days after that come to about 132 years; two centuries
    /// of room keep every such date in range.
    public static let latestInput = CivilDate(year: 9799, month: 12, day: 31)!

    /// Creates a date, or nil if it does not exist (2023-02-29, 2026-04-31, month 13).
    public init?(year: Int, month: Int, day: Int) {
        guard CivilDate.exists(year: year, month: month, day: day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` exactly; nil for any other shape or an impossible date.
    public init?(parsing text: some StringProtocol) {
        // Read in place (no copy of the text): the ledger's files hold dates by the million.
        guard let (y, m, d) = text.utf8.withContiguousStorageIfAvailable(CivilDate.fields) ?? CivilDate.fields(Array(text.utf8)) else {
            return nil
        }
        self.init(year: y, month: m, day: d)
    }

    /// Year, month and day of `YYYY-MM-DD` bytes, nil for any other shape.
    static func fields<Bytes: RandomAccessCollection<UInt8>>(_ b: Bytes) -> (Int, Int, Int)? where Bytes.Index == Int {
        guard b.count == 10, b[b.startIndex + 4] == UInt8(ascii: "-"), b[b.startIndex + 7] == UInt8(ascii: "-") else { return nil }
        func digits(_ from: Int, _ to: Int) -> Int? {
            var v = 0
            for i in (b.startIndex + from)..<(b.startIndex + to) {
                let c = b[i]
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int(c - UInt8(ascii: "0"))
            }
            return v
        }
        guard let y = digits(0, 4), let m = digits(5, 7), let d = digits(8, 10) else { return nil }
        return (y, m, d)
    }

    /// Whether year, month and day name a date of years 1 to 9999 (`init?(year:month:day:)`).
    @inlinable @inline(__always)
    public static func exists(year: Int, month: Int, day: Int) -> Bool {
        // Days 1 to 28 exist in every month: the leap-year test runs for the last days only.
        UInt(bitPattern: year &- 1) < 9999 && UInt(bitPattern: month &- 1) < 12 && day >= 1
            && (day <= 28 || day <= daysIn(month: month, year: year))
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    public var dayNumber: Int { CivilDate.dayNumber(year: year, month: month, day: day) }

    /// `dayNumber` of a date, without making it: usage timestamps are dated through this, once per
    /// event. Its arithmetic is unchecked: it cannot overflow for years below 10^15, which holds
    /// every date an input may hold (`latestInput`) and any the pipeline computes from one.
    @inlinable @inline(__always)
    public static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year &- 1 : year
        let era = (y >= 0 ? y : y &- 399) / 400
        let yoe = y &- era &* 400
        let mp = month > 2 ? month &- 3 : month &+ 9
        let doy = (153 &* mp &+ 2) / 5 &+ day &- 1
        let doe = yoe &* 365 &+ yoe / 4 &- yoe / 100 &+ doy
        return era &* 146097 &+ doe &- 719468
    }

    /// The date `dayNumber` days after 1970-01-01 (`civil_from_days`).
    public init(dayNumber z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// Whole days from `self` to `other` (negative if `other` is earlier).
    public func days(to other: CivilDate) -> Int { other.dayNumber - dayNumber }

    /// The date in the month `months` after this one, on `day` clamped to that month's length
    /// (billing day 31 gives Feb 28 or 29, Apr 30).
    ///
    /// Any month is computed, past 9999-12 too, as `init(dayNumber:)` does: the billing loop looks
    /// a period or two beyond what it keeps (up to 240 years for a yearly plan of `interval_count`
    /// 120), and inputs end at `latestInput`, so such a date decides a loop and is never written.
    public static func clamped(year: Int, monthIndex: Int, day: Int) -> CivilDate {
        // monthIndex counts months from year 0, month 1 = index 0.
        let y = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
        let m = monthIndex - y * 12 + 1
        return CivilDate(unchecked: y, m, max(1, min(day, daysIn(month: m, year: y))))
    }

    /// A date known to exist in the proleptic calendar, whatever its year.
    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Months since year 0 (January of year 0 = 0), for stepping through billing anchors.
    public var monthIndex: Int { year * 12 + month - 1 }

    /// The first day of this date's month.
    public var firstOfMonth: CivilDate { CivilDate(year: year, month: month, day: 1)! }

    /// `YYYY-MM-DD`. Written digit by digit for years 0 to 9999 (every date the pipeline holds):
    /// documents, registers and reports format dates by the hundred thousand.
    public var description: String {
        guard (0...9999).contains(year) else {
            func pad(_ v: Int, _ w: Int) -> String {
                let s = String(v)
                return String(repeating: "0", count: max(0, w - s.count)) + s
            }
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        }
        return String(unsafeUninitializedCapacity: 10) { writeDigits(to: $0) }
    }

    /// Appends `description` as UTF-8 bytes: files with a date per row (the usage contribution)
    /// write them this way.
    public func appendDescription(to out: inout [UInt8]) {
        guard (0...9999).contains(year) else {
            out += description.utf8
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { b in
            _ = writeDigits(to: b)
            out.append(contentsOf: UnsafeBufferPointer(b))
        }
    }

    /// Writes `YYYY-MM-DD` (a year of 0 to 9999) into the first 10 bytes of `b`; returns 10.
    private func writeDigits(to b: UnsafeMutableBufferPointer<UInt8>) -> Int {
        func put(_ v: Int, at end: Int, width: Int) {
            var v = v
            for i in stride(from: end - 1, through: end - width, by: -1) {
                b[i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v % 10)
                v /= 10
            }
        }
        put(year, at: 4, width: 4)
        b[4] = UInt8(ascii: "-")
        put(month, at: 7, width: 2)
        b[7] = UInt8(ascii: "-")
        put(day, at: 10, width: 2)
        return 10
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}
