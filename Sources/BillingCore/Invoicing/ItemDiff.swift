/// An item already issued on a document (read from the ledger's line index).
public struct IssuedItem: Sendable, Hashable {
    public var item: ChargeItem
    public var documentNumber: String
    public init(item: ChargeItem, documentNumber: String) {
        self.item = item
        self.documentNumber = documentNumber
    }
}

/// Regenerate-and-diff (SPEC §5): compares every item that should exist up to the run's end with
/// what the ledger already issued, per `ItemKey`, and returns only the difference.
public enum ItemDiff {
    /// Items to issue now. A new key is issued whole; a key whose computed amount differs from the
    /// issued sum gets one correcting item for the difference; an issued key that should no longer
    /// exist is reversed. Corrections, and late items inside a period already invoiced (a back-dated
    /// change), are described as "Correction for <service period>". Billing dates before `window.start`
    /// move to `window.start`. Issued items billed (naturally) on or after `window.end` are left
    /// alone, so re-running an older month after a newer one changes nothing.
    public static func pending(computed: [ChargeItem], issued: [IssuedItem], window: DateRange) throws(ArithmeticOverflow) -> [ChargeItem] {
        // Keys in order of first appearance: rated items come in key order, so the final sort
        // mostly finds runs already in order instead of sorting a hash set's random order.
        var keys: [ItemKey] = []
        keys.reserveCapacity(computed.count)
        func sum(_ items: some Collection<ChargeItem>) throws(ArithmeticOverflow) -> [ItemKey: (template: ChargeItem, amount: Money)] {
            var sums: [ItemKey: (template: ChargeItem, amount: Money)] = [:]
            sums.reserveCapacity(items.count)
            for c in items where c.billingDate < window.end {
                let key = c.key
                if let i = sums.index(forKey: key) {
                    sums.values[i].amount = try sums.values[i].amount + c.amount
                } else {
                    sums[key] = (c, c.amount)
                    keys.append(key)
                }
            }
            return sums
        }
        let want = try sum(computed)
        let have = try sum(issued.lazy.map(\.item))
        keys.sort()
        // Per subscription, the service periods already invoiced: a new item inside one corrects it.
        var invoiced: [String: [DateRange]] = [:]
        for i in issued { invoiced[i.item.subscriptionID, default: []].append(i.item.period) }
        var out: [ChargeItem] = []
        for (n, key) in keys.enumerated() where n == 0 || keys[n - 1] != key {
            let w = want[key], h = have[key]
            let template = (w ?? h)!.template
            let target = w?.amount ?? .zero(template.amount.currency)
            let delta = try target - (h?.amount ?? .zero(template.amount.currency))
            if delta.minorUnits == 0 { continue }
            var item = template
            item.amount = delta
            // A correction changes an issued amount, or comes late into a period already invoiced.
            let late = item.billingDate < window.start
                && (invoiced[key.subscriptionID] ?? []).contains { $0.clamped(to: key.period) != nil }
            if h != nil || late {
                item.description = "Correction for \(key.period.start) – \(key.period.end.adding(days: -1)): \(template.description)"
            }
            out.append(item)
        }
        return out
    }

    /// The day an item is issued: its natural billing day, or the window's first day if earlier.
    public static func issueDate(of item: ChargeItem, window: DateRange) -> CivilDate { max(item.billingDate, window.start) }
}
