/// An exact decimal number: `units × 10^−scale`, e.g. 49.99 is (4999, 2).
///
/// Prices, quantities, tax and fx rates are parsed into this type from their text form and never
/// pass through binary floating point. Arithmetic is checked: an overflow throws, never wraps.
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The value scaled by `10^scale`.
    public var units: Int128
    /// The number of decimals, 0…18.
    public var scale: Int

    public init(units: Int128, scale: Int) {
        precondition((0...18).contains(scale), "scale out of range")
        self.units = units
        self.scale = scale
    }

    public init(_ integer: Int) { self.init(units: Int128(integer), scale: 0) }

    public static let zero = ExactDecimal(0)

    /// Parses the SPEC grammar `-?[0-9]+(\.[0-9]+)?`; returns nil for anything else, including more
    /// than `maxDecimals` decimals (never rounded), exponents and thousands separators.
    public init?(parsing text: some StringProtocol, maxDecimals: Int = 12, allowNegative: Bool = true) {
        // Read in place (no copy of the text) when the text is contiguous, as a String's is.
        guard let value = text.utf8.withContiguousStorageIfAvailable({ ExactDecimal.parse(bytes: $0, maxDecimals: maxDecimals) })
            ?? ExactDecimal.parse(bytes: Array(text.utf8)[...], maxDecimals: maxDecimals)
        else { return nil }
        if !allowNegative && value.units < 0 { return nil }
        self = value
    }

    /// The value of 1 to 18 decimal digits and nothing else (a whole number with no sign or
    /// point), nil for any other bytes, which `parse` then reads. Usage quantities are nearly
    /// always such numbers, and ingest reads one per event: this takes a few instructions a digit
    /// in 64 bits, where `parse` works in 128 and counts digits and decimals. Both give the same
    /// value for the bytes this accepts (a test holds them to each other).
    @inlinable
    public static func wholeNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count >= 1 && bytes.count <= 18 else { return nil }
        var v: Int64 = 0
        for b in bytes {
            let digit = b &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            v = v &* 10 &+ Int64(digit)  // at most 18 digits: below 10^18, no overflow
        }
        return v
    }

    /// Byte-level parser shared by the CSV hot path and the text initializer.
    @inlinable
    public static func parse<Bytes: RandomAccessCollection<UInt8>>(bytes: Bytes, maxDecimals: Int) -> ExactDecimal? where Bytes.Index == Int {
        var i = bytes.startIndex
        let end = bytes.endIndex
        var negative = false
        if i < end && bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var units: Int128 = 0
        var intDigits = 0
        var fracDigits = 0
        var seenDot = false
        while i < end {
            let b = bytes[i]
            if b == UInt8(ascii: ".") {
                if seenDot || intDigits == 0 { return nil }
                seenDot = true
            } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                if seenDot { fracDigits += 1 } else { intDigits += 1 }
                if intDigits + fracDigits > 36 { return nil }
                units = units * 10 + Int128(b - UInt8(ascii: "0"))
            } else {
                return nil
            }
            i += 1
        }
        if intDigits == 0 || (seenDot && fracDigits == 0) || fracDigits > maxDecimals { return nil }
        return ExactDecimal(units: negative ? -units : units, scale: fracDigits)
    }

    public var isNegative: Bool { units < 0 }

    /// The negated value (exact).
    public static prefix func - (a: ExactDecimal) -> ExactDecimal { ExactDecimal(units: -a.units, scale: a.scale) }
    public var isZero: Bool { units == 0 }

    /// The value at a larger scale (exact: only appends zeros).
    public func rescaled(to newScale: Int) throws(ArithmeticOverflow) -> Int128 {
        precondition(newScale >= scale)
        return try checkedMultiply(units, pow10(newScale - scale), "rescale")
    }

    public static func < (a: ExactDecimal, b: ExactDecimal) -> Bool {
        let s = max(a.scale, b.scale)
        // Values are parsed from at most 36 digits; comparison at a common scale cannot overflow
        // for the magnitudes this program handles, and falls back to a safe answer if it would.
        guard let x = try? a.rescaled(to: s), let y = try? b.rescaled(to: s) else { return a.units < b.units }
        return x < y
    }

    public static func == (a: ExactDecimal, b: ExactDecimal) -> Bool {
        let s = max(a.scale, b.scale)
        guard let x = try? a.rescaled(to: s), let y = try? b.rescaled(to: s) else { return false }
        return x == y
    }

    public func hash(into hasher: inout Hasher) {
        // Hash the normalised form so that 1.50 and 1.5 hash alike, as they compare equal.
        let n = normalized
        hasher.combine(n.units)
        hasher.combine(n.scale)
    }

    /// Trailing fractional zeros removed: 1.500 → 1.5, 2.00 → 2.
    public var normalized: ExactDecimal {
        var u = units
        var s = scale
        while s > 0 && u % 10 == 0 { u /= 10; s -= 1 }
        return ExactDecimal(units: u, scale: s)
    }

    public static func + (a: ExactDecimal, b: ExactDecimal) throws(ArithmeticOverflow) -> ExactDecimal {
        let s = max(a.scale, b.scale)
        let x = try a.rescaled(to: s)
        let y = try b.rescaled(to: s)
        let (r, o) = x.addingReportingOverflow(y)
        if o { throw ArithmeticOverflow("decimal addition") }
        return ExactDecimal(units: r, scale: s)
    }

    /// Exact product; the scale is the sum of scales, reduced if it would exceed 18.
    public static func * (a: ExactDecimal, b: ExactDecimal) throws(ArithmeticOverflow) -> ExactDecimal {
        var u = try checkedMultiply(a.units, b.units, "decimal multiplication")
        var s = a.scale + b.scale
        while s > 18 {
            guard u % 10 == 0 else { throw ArithmeticOverflow("decimal multiplication precision") }
            u /= 10
            s -= 1
        }
        return ExactDecimal(units: u, scale: s)
    }

    /// The plain text form, with exactly `scale` decimals: `49.99`, `-0.0004`, `12`.
    public var description: String { format(decimals: scale) }

    /// The text form with `decimals` fraction digits; `decimals` must be ≥ the significant scale.
    public func format(decimals: Int) -> String {
        // Every trailing zero removed still leaves at most `scale` decimals.
        precondition(decimals >= scale || decimals >= normalized.scale, "formatting would lose digits")
        let u = (try? rescaledUnits(to: decimals)) ?? units
        return ExactDecimal.formatUnits(u, decimals: decimals)
    }

    private func rescaledUnits(to d: Int) throws(ArithmeticOverflow) -> Int128 {
        if d >= scale { return try rescaled(to: d) }
        return units / pow10(scale - d)
    }

    /// Appends `ExactDecimal(units: units, scale: scale).normalized.description` as UTF-8 bytes.
    /// Units that fit in 64 bits (nearly all) are done in 64-bit arithmetic, with no `String`:
    /// the usage contribution writes three such amounts per aggregate row.
    public static func appendNormalized(units: Int128, scale: Int, to out: inout [UInt8]) {
        guard let small = Int64(exactly: units), (0...18).contains(scale) else {
            out += ExactDecimal(units: units, scale: scale).normalized.description.utf8
            return
        }
        var m = small.magnitude, s = scale
        while s > 0 && m % 10 == 0 {
            m /= 10
            s -= 1
        }
        withPlainDigits(m, decimals: s, negative: small < 0) { out.append(contentsOf: $0) }
    }

    /// Formats `units × 10^−decimals` as plain decimal text.
    public static func formatUnits(_ units: Int128, decimals: Int) -> String {
        // Magnitudes below 2^64 (every amount of a real invoice) are written digit by digit from
        // the end of a small buffer: documents and registers format amounts by the hundred thousand.
        guard let magnitude = UInt64(exactly: units.magnitude), (0...40).contains(decimals) else {
            let negative = units < 0
            var digits = String(units.magnitude)
            if decimals > 0 {
                if digits.count <= decimals {
                    digits = String(repeating: "0", count: decimals - digits.count + 1) + digits
                }
                digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
            }
            return negative ? "-" + digits : digits
        }
        return withPlainDigits(magnitude, decimals: decimals, negative: units < 0) { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes `magnitude × 10^−decimals` (0 ≤ decimals ≤ 40), after a `-` if `negative`, digit
    /// by digit from the end of a small buffer, and hands its bytes to `body`: the one writer of
    /// plain decimal text behind `formatUnits` and `appendNormalized`.
    @inline(__always)
    static func withPlainDigits<R>(_ magnitude: UInt64, decimals: Int, negative: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { b in
            var m = magnitude
            var at = b.count
            func put(_ byte: UInt8) {
                at -= 1
                b[at] = byte
            }
            if decimals > 0 {
                for _ in 0..<decimals {
                    put(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: m % 10))
                    m /= 10
                }
                put(UInt8(ascii: "."))
            }
            repeat {
                put(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: m % 10))
                m /= 10
            } while m > 0
            if negative { put(UInt8(ascii: "-")) }
            return body(UnsafeBufferPointer(rebasing: b[at...]))
        }
    }
}

/// `10^n` for 0 ≤ n ≤ 36.
public func pow10(_ n: Int) -> Int128 {
    precondition((0...36).contains(n))
    return powersOfTen[n]
}

/// 10^0 … 10^36, computed once: `pow10` is on the hot path of every parsed quantity.
private let powersOfTen: [Int128] = {
    var table: [Int128] = [1]
    for _ in 1...36 { table.append(table.last! * 10) }
    return table
}()

/// Multiplication that throws instead of wrapping.
public func checkedMultiply(_ a: Int128, _ b: Int128, _ what: String) throws(ArithmeticOverflow) -> Int128 {
    let (r, o) = a.multipliedReportingOverflow(by: b)
    if o { throw ArithmeticOverflow(what) }
    return r
}
