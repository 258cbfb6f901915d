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
    public static func instant(_ b: UnsafeBufferPointer<UInt8>) -> Instant? {
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x74, b[13] == 0x3A, b[16] == 0x3A,
            let y = num(b, 0, 4), let mo = num(b, 5, 2), let d = num(b, 8, 2), let h = num(b, 11, 2), let mi = num(b, 14, 2),
            let s = num(b, 17, 2), h < 24, mi < 60, s < 60, let date = CivilDate(year: y, month: mo, day: d)
        else { return nil }
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
        if b[i] == 0x5A && i + 1 == b.count {
            offset = 0
        } else if (b[i] == 0x2B || b[i] == 0x2D) && i + 6 == b.count && b[i + 3] == 0x3A, let oh = num(b, i + 1, 2),
            let om = num(b, i + 4, 2), oh <= 14, om < 60
        {
            offset = (b[i] == 0x2D ? -1 : 1) * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        return Instant(seconds: date.dayNumber * 86400 + h * 3600 + mi * 60 + s - offset, nanos: nanos)
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

    static func num(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ n: Int) -> Int? {
        var v = 0
        for k in at..<at + n {
            let c = b[k]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }
}
