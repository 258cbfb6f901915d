/// A token of the simulated payment gateway (SPEC §6).
public enum PaymentMethod: Sendable, Hashable, CustomStringConvertible {
    case cardOK
    case cardDeclined
    case cardInsufficientFunds
    /// Soft-declines the first N attempts, then succeeds.
    case cardFailFirst(Int)
    /// Declines with probability P in 0…1.
    case cardRandom(ExactDecimal)

    /// Parses a token; nil if it is not one of SPEC §6's.
    public init?(token: String) {
        switch token {
        case "card_ok": self = .cardOK
        case "card_declined": self = .cardDeclined
        case "card_insufficient_funds": self = .cardInsufficientFunds
        default:
            if token.hasPrefix("card_fail_first:") {
                let n = token.dropFirst("card_fail_first:".count)
                guard !n.isEmpty, n.count <= 6, n.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(n) else { return nil }
                self = .cardFailFirst(v)
            } else if token.hasPrefix("card_random:") {
                guard let p = ExactDecimal(parsing: token.dropFirst("card_random:".count), maxDecimals: 9, allowNegative: false),
                    p <= ExactDecimal(1)
                else { return nil }
                self = .cardRandom(p)
            } else {
                return nil
            }
        }
    }

    public var description: String {
        switch self {
        case .cardOK: return "card_ok"
        case .cardDeclined: return "card_declined"
        case .cardInsufficientFunds: return "card_insufficient_funds"
        case .cardFailFirst(let n): return "card_fail_first:\(n)"
        case .cardRandom(let p): return "card_random:\(p)"
        }
    }
}
