/// The id grammar of SPEC §3: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`. Ids become file names, so the
/// grammar also keeps out path separators and `..` at the start.
public enum Identifier {
    @inlinable
    public static func isValid(_ s: some Collection<UInt8>) -> Bool {
        guard let first = s.first, s.count <= 64, isAlnum(first) else { return false }
        return s.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    public static func isValid(_ s: String) -> Bool { isValid(s.utf8) }

    @inline(__always) public static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }
}
