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
    /// The fixed part (`YYYY-MM-DDTHH:MM:SS`) is read as three words (`fixedPart`): this runs once
    /// per usage event.
    public static func instant(_ b: UnsafeBufferPointer<UInt8>) -> Instant? {
        guard b.count >= 20, let p = b.baseAddress, let (year, mo, d, h, mi, s) = fixedPart(UnsafeRawPointer(p)), h < 24, mi < 60, s < 60,
            CivilDate.exists(year: year, month: mo, day: d)
        else { return nil }
        let days = CivilDate.dayNumber(year: year, month: mo, day: d)
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

    /// Year, month, day, hour, minute and second of `YYYY-MM-DDTHH:MM:SS` (`T` or `t`) in the 20
    /// bytes at `p` (the twentieth is not read for its value), or nil if a separator is not
    /// where it belongs or a digit's place holds anything else. Read as words of 8, 8 and 4 bytes
    /// (little-endian: a word's first byte is its lowest): a byte is a digit when its high
    /// nibble is 3 and adding 6 to it leaves that nibble 3 (0x30 to 0x39); each two digits' value
    /// is the first's low nibble × 10 plus the second's, worked out for every pair of a word at
    /// once (no byte exceeds 99).
    @inline(__always) static func fixedPart(_ p: UnsafeRawPointer) -> (Int, Int, Int, Int, Int, Int)? {
        let w0 = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))  // YYYY-MM-
        let w1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))  // DDTHH:MM
        let w2 = UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))  // :SS and one more
        // The digits' places in each word, their high nibbles, and the separators.
        let digits0: UInt64 = 0x00FF_FF00_FFFF_FFFF, digits1: UInt64 = 0xFFFF_00FF_FF00_FFFF, digits2: UInt64 = 0x0000_0000_00FF_FF00
        let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0, three: UInt64 = 0x3030_3030_3030_3030, six: UInt64 = 0x0606_0606_0606_0606
        let separatorsOK = w0 & 0xFF00_00FF_0000_0000 == 0x2D00_002D_0000_0000  // - and -
            && (w1 | 0x0000_0000_0020_0000) & 0x0000_FF00_00FF_0000 == 0x0000_3A00_0074_0000  // T or t, and :
            && w2 & 0xFF == 0x3A  // :
        // Once the separators are right (at most 0x74) and every digit's place holds 0x30 to 0x3F,
        // adding 6 to a word carries into no other byte (w2's fourth byte, unchecked, can only
        // carry above the word's 32 bits).
        guard separatorsOK, w0 & digits0 & high == three & digits0, w1 & digits1 & high == three & digits1,
            w2 & digits2 & high == three & digits2, (w0 &+ six) & digits0 & high == three & digits0,
            (w1 &+ six) & digits1 & high == three & digits1, (w2 &+ six) & digits2 & high == three & digits2
        else { return nil }
        func pairs(_ w: UInt64, _ digits: UInt64) -> UInt64 {
            let d = w & digits & 0x0F0F_0F0F_0F0F_0F0F
            return d &* 10 &+ (d >> 8)  // each pair's value in its first byte
        }
        let v0 = pairs(w0, digits0), v1 = pairs(w1, digits1), v2 = pairs(w2, digits2)
        func byte(_ v: UInt64, _ k: UInt64) -> Int { Int(truncatingIfNeeded: (v >> (8 &* k)) & 0xFF) }
        return (byte(v0, 0) &* 100 &+ byte(v0, 2), byte(v0, 5), byte(v1, 0), byte(v1, 3), byte(v1, 6), byte(v2, 1))
    }

    /// The two decimal digits at `at`, or nil if either is not one.
    @inline(__always) static func two(_ p: UnsafePointer<UInt8>, _ at: Int) -> Int? {
        let high = p[at] &- 0x30, low = p[at + 1] &- 0x30
        return high < 10 && low < 10 ? Int(high) * 10 + Int(low) : nil
    }
}
