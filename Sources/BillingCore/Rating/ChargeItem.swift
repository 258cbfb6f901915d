/// What a line bills.
public enum LineKind: String, Sendable, Hashable, Comparable {
    case recurring, usage, credit
    public static func < (a: LineKind, b: LineKind) -> Bool { a.order < b.order }
    var order: Int { self == .recurring ? 0 : self == .usage ? 1 : 2 }
}

/// How tax applies to an item: at a rate, or zero-rated with a note.
public enum TaxTreatment: String, Sendable, Hashable {
    case standard
    case exempt
    case reverseCharge = "reverse_charge"

    /// The note printed on the document, if any.
    public var note: String? {
        switch self {
        case .standard: return nil
        case .exempt: return "Tax exempt"
        case .reverseCharge: return "Reverse charge"
        }
    }
}

/// The tax that applies to one item.
public struct ItemTax: Sendable, Hashable {
    /// Percent, e.g. 10 or 7.25.
    public var rate: ExactDecimal
    public var name: String
    public var treatment: TaxTreatment
    public init(rate: ExactDecimal, name: String, treatment: TaxTreatment) {
        self.rate = rate
        self.name = name
        self.treatment = treatment
    }
}

/// One amount that should be billed: the output of rating and the unit of regenerate-and-diff.
public struct ChargeItem: Sendable, Hashable {
    public var customerID: String
    public var subscriptionID: String
    public var planID: String
    public var kind: LineKind
    /// The usage metric; empty for fees and their credits.
    public var metric: String
    /// The service period this amount is for.
    public var period: DateRange
    public var quantity: ExactDecimal
    public var unitPrice: ExactDecimal
    public var amount: Money
    /// The day the rules say this amount is billed (before any move to the run window's first day).
    public var billingDate: CivilDate
    public var description: String
    public var taxCategory: String
    public var tax: ItemTax

    public init(
        customerID: String, subscriptionID: String, planID: String, kind: LineKind, metric: String = "", period: DateRange,
        quantity: ExactDecimal, unitPrice: ExactDecimal, amount: Money, billingDate: CivilDate, description: String,
        taxCategory: String, tax: ItemTax = ItemTax(rate: .zero, name: "", treatment: .standard)
    ) {
        self.customerID = customerID
        self.subscriptionID = subscriptionID
        self.planID = planID
        self.kind = kind
        self.metric = metric
        self.period = period
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.billingDate = billingDate
        self.description = description
        self.taxCategory = taxCategory
        self.tax = tax
    }

    /// The identity used to compare what should exist with what was issued: one subscription's
    /// charge of one kind, plan and metric for one service period.
    public var key: ItemKey {
        ItemKey(subscriptionID: subscriptionID, kind: kind, planID: planID, metric: metric, period: period)
    }
}

/// The identity of an item across runs (see `ChargeItem.key`).
public struct ItemKey: Sendable, Hashable, Comparable {
    public var subscriptionID: String
    public var kind: LineKind
    public var planID: String
    public var metric: String
    public var period: DateRange

    public static func < (a: ItemKey, b: ItemKey) -> Bool {
        (a.subscriptionID, a.period, a.kind, a.planID, a.metric) < (b.subscriptionID, b.period, b.kind, b.planID, b.metric)
    }
}
