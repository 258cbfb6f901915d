/// An ISO 4217 currency with its minor-unit exponent (JPY 0, USD 2, KWD 3, CLF 4).
public struct Currency: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The three-letter upper-case code.
    public let code: String
    /// Decimals of the minor unit.
    public let exponent: Int

    /// Looks a code up in the ISO 4217 table; nil for an unknown or lower-case code.
    public init?(code: String) {
        guard let e = iso4217Exponents[code] else { return nil }
        self.code = code
        self.exponent = e
    }

    public var description: String { code }
    public static func < (a: Currency, b: Currency) -> Bool { a.code < b.code }
}
