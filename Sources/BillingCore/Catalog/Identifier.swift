/// The id grammar of SPEC §3: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`. Ids become file names, so the
/// grammar also keeps out path separators and `..` at the start.
public enum Identifier {
    @inlinable
    public static func isValid(_ s: some Collection<UInt8>) -> Bool {
        guard let first = s.first, s.count <= 64, isAlnum(first) else { return false }
        return s.allSatisfy { isIDByte($0) }
    }

    public static func isValid(_ s: String) -> Bool { isValid(s.utf8) }

    @inline(__always) public static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    /// Whether `c` may follow an id's first byte: a letter, a digit, `.`, `_` or `-`. (As range
    /// comparisons: counted by callgrind on every usage event's id, they take fewer instructions
    /// than one bit of two 64-bit masks, 104 against 144 for an 11-byte id.)
    @inlinable @inline(__always) public static func isIDByte(_ c: UInt8) -> Bool {
        isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }
}
