/// Reading hexadecimal digits as bytes (the writing side is `hexString`): JSON's `\u` escapes and
/// the fingerprints of the ledger's ids files.
public enum HexDigit {
    /// The value of one hex digit (0–9, a–f, A–F), or nil for any other byte.
    @inline(__always) public static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}
