/// The id grammar of SPEC §3: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`. Ids become file names, so the
/// grammar also keeps out path separators and `..` at the start.
public enum Identifier {
    @inlinable
    public static func isValid(_ s: some Collection<UInt8>) -> Bool {
        guard let first = s.first, s.count <= 64, isAlnum(first) else { return false }
        return s.allSatisfy(isIDByte)
    }

    public static func isValid(_ s: String) -> Bool { isValid(s.utf8) }

    @inline(__always) public static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    /// Whether `c` may follow an id's first byte: a letter, a digit, `.`, `_` or `-`. Tested as
    /// one bit of two 64-bit masks (bytes 0–63 and 64–127) rather than as five ranges: every
    /// usage event's id is checked byte by byte.
    @inlinable @inline(__always) public static func isIDByte(_ c: UInt8) -> Bool {
        // Bytes 0–63: `-` (45), `.` (46), `0`–`9` (48–57).
        let low: UInt64 = 1 << 45 | 1 << 46 | 0x3FF << 48
        // Bytes 64–127: `A`–`Z` (65–90), `_` (95), `a`–`z` (97–122).
        let high: UInt64 = 0x3FF_FFFF << 1 | 1 << 31 | 0x3FF_FFFF << 33
        return c < 128 && ((c < 64 ? low : high) >> UInt64(c & 63)) & 1 != 0
    }
}
