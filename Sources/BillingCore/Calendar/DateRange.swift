/// A half-open range of days `[start, end)`: `end` is the first day not covered.
public struct DateRange: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let start: CivilDate
    public let end: CivilDate

    public init(_ start: CivilDate, _ end: CivilDate) {
        precondition(start <= end, "range end before start")
        self.start = start
        self.end = end
    }

    /// The number of days covered.
    public var days: Int { start.days(to: end) }
    public var isEmpty: Bool { start == end }
    public func contains(_ d: CivilDate) -> Bool { start <= d && d < end }

    /// The overlap of two ranges, or nil if they do not overlap.
    public func clamped(to other: DateRange) -> DateRange? {
        let s = max(start, other.start)
        let e = min(end, other.end)
        return s < e ? DateRange(s, e) : nil
    }

    /// The billing-period window of `YYYY-MM`: `[first day of the month, first day of the next)`;
    /// nil for text of another shape, or a month after `CivilDate.latestInput`'s.
    public static func month(_ text: String) -> DateRange? {
        guard text.utf8.count == 7, let first = CivilDate(parsing: text + "-01"), first <= CivilDate.latestInput else { return nil }
        return DateRange(first, CivilDate.clamped(year: 0, monthIndex: first.monthIndex + 1, day: 1))
    }

    public var description: String { "[\(start), \(end))" }
    public static func < (a: DateRange, b: DateRange) -> Bool { (a.start, a.end) < (b.start, b.end) }
}
