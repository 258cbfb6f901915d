/// How a computed amount is brought to the currency's minor unit. Exactly one rounding is applied
/// per computed amount (SPEC §4), so the mode is the only source of a rounding difference.
public enum RoundingMode: String, Sendable, CaseIterable, Codable {
    /// Halves go away from zero: 0.5 → 1, −0.005 USD → −0.01.
    case halfUp = "half_up"
    /// Halves go to the even neighbour (banker's rounding): 0.5 → 0, 1.5 → 2.
    case halfEven = "half_even"
    /// Toward zero (truncation).
    case down
    /// Away from zero.
    case up
}

/// An arithmetic result that does not fit: money never wraps (SPEC §4).
public struct ArithmeticOverflow: Error, Equatable, CustomStringConvertible, Sendable {
    /// What was being computed, for the error message.
    public var operation: String
    public init(_ operation: String) { self.operation = operation }
    public var description: String { "arithmetic overflow in \(operation)" }
}

extension RoundingMode {
    /// Divides `numerator` by `denominator` and rounds the exact quotient once with this mode.
    ///
    /// This is the single place where money is rounded: every prorated, taxed or converted amount
    /// is expressed as one exact fraction and passed here.
    public func divide(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator != 0, "division by zero")
        // Normalise to a positive denominator so the sign lives in the numerator.
        let n = denominator < 0 ? -numerator : numerator
        let d = denominator < 0 ? -denominator : denominator
        let q = n / d  // truncates toward zero
        let r = n % d  // same sign as n
        if r == 0 { return q }
        let away: Int128 = n < 0 ? -1 : 1
        let twiceR = r.magnitude * 2
        switch self {
        case .down:
            return q
        case .up:
            return q + away
        case .halfUp:
            return twiceR >= d.magnitude ? q + away : q
        case .halfEven:
            if twiceR > d.magnitude { return q + away }
            if twiceR < d.magnitude { return q }
            return q % 2 == 0 ? q : q + away
        }
    }
}
