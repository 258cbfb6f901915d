/// A document before it is numbered: one customer's pending items for one issue date, as its lines
/// in order, with its tax and the notes its lines' tax treatments call for. All of it follows from
/// the group's own items, so drafts can be made on every core at once; numbering, credit balances
/// and references follow the drafts in order (`DocumentBuilder.build(drafts:)`).
public struct DocumentDraft: Sendable {
    public var issueDate: CivilDate
    public var customer: Customer
    public var lines: [ChargeItem]
    public var tax: DocumentTax
    /// The notes of its tax treatments (exempt, reverse charge), in that order.
    public var treatmentNotes: [String]

    /// One document's items: those of one customer with one issue date, in the order given.
    public struct Group: Sendable {
        public var issueDate: CivilDate
        public var customerID: String
        public var items: [ChargeItem]
    }

    /// Pending items with an amount, one group per (issue date, customer), in the order documents
    /// are numbered: by issue date, then customer id.
    public static func groups(items: [ChargeItem], window: DateRange) -> [Group] {
        struct Key: Hashable {
            var date: CivilDate
            var customer: String
        }
        var position: [Key: Int] = [:]
        var groups: [Group] = []
        for item in items where item.amount.minorUnits != 0 {
            let key = Key(date: ItemDiff.issueDate(of: item, window: window), customer: item.customerID)
            if let i = position[key] {
                groups[i].items.append(item)
            } else {
                position[key] = groups.count
                groups.append(Group(issueDate: key.date, customerID: key.customer, items: [item]))
            }
        }
        groups.sort { ($0.issueDate, $0.customerID) < ($1.issueDate, $1.customerID) }
        return groups
    }
}

extension DocumentBuilder {
    /// The draft of one group's document: its lines sorted by (subscription, period, kind, plan,
    /// metric), and their tax in the customer's currency.
    public func draft(_ group: DocumentDraft.Group, customers: [String: Customer]) throws(ArithmeticOverflow) -> DocumentDraft {
        let customer = customers[group.customerID]!
        let lines = group.items.sorted {
            ($0.subscriptionID, $0.period, $0.kind, $0.planID, $0.metric) < ($1.subscriptionID, $1.period, $1.kind, $1.planID, $1.metric)
        }
        let tax = try TaxCalculator.compute(
            lines: lines.map { ($0.amount, $0.tax) }, currency: customer.currency, basis: settings.taxBasis,
            rounding: settings.taxRounding, inclusive: settings.taxInclusive)
        let treatments = Set(lines.map(\.tax.treatment))
        let notes = [TaxTreatment.exempt, .reverseCharge].filter { treatments.contains($0) }.map { $0.note! }
        return DocumentDraft(issueDate: group.issueDate, customer: customer, lines: lines, tax: tax, treatmentNotes: notes)
    }
}
