/// The result of one payment attempt.
public enum AttemptOutcome: Sendable, Hashable {
    case succeeded
    /// A decline that may succeed on a retry (`insufficient_funds`).
    case softDecline(String)
    /// A decline that is never retried (`card_declined`).
    case hardDecline(String)

    public var succeeded: Bool { self == .succeeded }
    public var reason: String {
        switch self {
        case .succeeded: return ""
        case .softDecline(let r), .hardDecline(let r): return r
        }
    }
}

/// The simulated payment gateway (SPEC §6): an attempt's outcome is a pure function of the
/// token, the seed, the invoice number and the attempt number, so every run agrees.
public enum Gateway {
    public static func outcome(method: PaymentMethod, seed: Int64, invoiceNumber: String, attempt: Int) -> AttemptOutcome {
        switch method {
        case .cardOK: return .succeeded
        case .cardDeclined: return .hardDecline("card_declined")
        case .cardInsufficientFunds: return .softDecline("insufficient_funds")
        case .cardFailFirst(let n): return attempt <= n ? .softDecline("insufficient_funds") : .succeeded
        case .cardRandom(let p):
            return declines(probability: p, seed: seed, invoiceNumber: invoiceNumber, attempt: attempt)
                ? .softDecline("insufficient_funds") : .succeeded
        }
    }

    /// The draw for `card_random:P`: the first 8 bytes of SHA-256("seed:number:attempt") as a
    /// big-endian integer u; declines when u / 2^64 < P, compared exactly in integers.
    public static func declines(probability p: ExactDecimal, seed: Int64, invoiceNumber: String, attempt: Int) -> Bool {
        let digest = SHA256.hash(Array("\(seed):\(invoiceNumber):\(attempt)".utf8))
        var u: UInt64 = 0
        for b in digest.prefix(8) { u = u << 8 | UInt64(b) }
        // u × 10^scale < P.units × 2^64; both sides fit in Int128 for P ≤ 1 with ≤ 9 decimals.
        let lhs = Int128(u) * pow10(p.scale)
        let rhs = p.units << 64
        return lhs < rhs
    }
}
