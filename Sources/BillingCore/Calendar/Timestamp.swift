/// Parses usage timestamps `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (SPEC §8) straight from
/// bytes and dates them in a fixed UTC offset.
public enum Timestamp {
    /// An instant: seconds since 1970-01-01T00:00:00Z and nanoseconds.
    public struct Instant: Sendable, Hashable, Comparable {
        public var seconds: Int
        public var nanos: Int
        public init(seconds: Int, nanos: Int) {
            self.seconds = seconds
            self.nanos = nanos
        }
        public static func < (a: Instant, b: Instant) -> Bool { (a.seconds, a.nanos) < (b.seconds, b.nanos) }
    }

    /// Seconds since 1970-01-01T00:00:00Z (days are what most of billing needs).
    public static func epochSeconds(_ b: UnsafeBufferPointer<UInt8>) -> Int? { instant(b)?.seconds }

    /// The instant, with the fraction to the nanosecond (`last` needs the order of events).
    /// The fixed part (`YYYY-MM-DDTHH:MM:SS`) is read through the buffer's pointer, two digits at
    /// a time: this runs once per usage event.
    public static func instant(_ b: UnsafeBufferPointer<UInt8>) -> Instant? {
        guard b.count >= 20, let p = b.baseAddress, p[4] == 0x2D, p[7] == 0x2D, p[10] | 0x20 == 0x74, p[13] == 0x3A, p[16] == 0x3A,
            let century = two(p, 0), let year = two(p, 2), let mo = two(p, 5), let d = two(p, 8), let h = two(p, 11), let mi = two(p, 14),
            let s = two(p, 17), h < 24, mi < 60, s < 60, CivilDate.exists(year: century &* 100 &+ year, month: mo, day: d)
        else { return nil }
        let days = CivilDate.dayNumber(year: century &* 100 &+ year, month: mo, day: d)
        var i = 19
        var nanos = 0
        if b[i] == 0x2E {
            i += 1
            let start = i
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { nanos = nanos * 10 + Int(b[i] - 0x30); i += 1 }
            if i == start || i - start > 9 { return nil }
            for _ in 0..<(9 - (i - start)) { nanos *= 10 }
        }
        guard i < b.count else { return nil }
        var offset = 0
        // `Z` or `z`, as `T` or `t` above (RFC 3339 §5.6 allows either case).
        if b[i] | 0x20 == 0x7A && i + 1 == b.count {
            offset = 0
        } else if (b[i] == 0x2B || b[i] == 0x2D) && i + 6 == b.count && b[i + 3] == 0x3A, let oh = two(p, i + 1),
            let om = two(p, i + 4), oh <= 14, om < 60
        {
            offset = (b[i] == 0x2D ? -1 : 1) * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        // Years 1 to 9999, offsets within ±14:59: no overflow is possible.
        return Instant(seconds: days &* 86400 &+ h &* 3600 &+ mi &* 60 &+ s &- offset, nanos: nanos)
    }

    /// The calendar day of an instant in a fixed offset (in minutes east of UTC).
    public static func day(epochSeconds: Int, offsetMinutes: Int) -> CivilDate {
        CivilDate(dayNumber: dayNumber(epochSeconds: epochSeconds, offsetMinutes: offsetMinutes))
    }

    /// `day` as a day number (days since 1970-01-01), for the usage hot path.
    @inlinable
    public static func dayNumber(epochSeconds: Int, offsetMinutes: Int) -> Int {
        let local = epochSeconds + offsetMinutes * 60
        return local >= 0 ? local / 86400 : -((-local + 86399) / 86400)
    }

    /// The two decimal digits at `at`, or nil if either is not one.
    @inline(__always) static func two(_ p: UnsafePointer<UInt8>, _ at: Int) -> Int? {
        let high = p[at] &- 0x30, low = p[at + 1] &- 0x30
        return high < 10 && low < 10 ? Int(high) * 10 + Int(low) : nil
    }
}
