/// How a metric's events are combined into units for a period (SPEC §5).
public enum Aggregation: String, Sendable, Hashable, CaseIterable {
    case sum, count, max
    case uniqueCount = "unique_count"
    case last
}

/// One tier of a graduated or volume price: units up to `upTo` (inclusive; nil on the last tier).
public struct PriceTier: Sendable, Hashable {
    public var upTo: ExactDecimal?
    public var unitPrice: ExactDecimal
    public var flatFee: ExactDecimal
    public init(upTo: ExactDecimal?, unitPrice: ExactDecimal, flatFee: ExactDecimal = .zero) {
        self.upTo = upTo
        self.unitPrice = unitPrice
        self.flatFee = flatFee
    }
}

/// How units are priced (SPEC §5).
public enum PriceModel: Sendable, Hashable {
    case perUnit(unitPrice: ExactDecimal)
    case package(packageSize: ExactDecimal, packagePrice: ExactDecimal, freeUnits: ExactDecimal)
    case graduated([PriceTier])
    case volume([PriceTier])

    public var name: String {
        switch self {
        case .perUnit: return "per_unit"
        case .package: return "package"
        case .graduated: return "graduated"
        case .volume: return "volume"
        }
    }
}

/// A usage charge of a plan: a metric, its aggregation and its price model.
public struct UsageCharge: Sendable, Hashable {
    public var metric: String
    public var aggregation: Aggregation
    public var model: PriceModel
    public init(metric: String, aggregation: Aggregation, model: PriceModel) {
        self.metric = metric
        self.aggregation = aggregation
        self.model = model
    }
}
