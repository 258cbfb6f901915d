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
        let want = try sums(computed, window: window)
        let have = try sums(issued.lazy.map(\.item), window: window)
        // Per subscription, the service periods already invoiced: a new item inside one corrects it.
        var invoiced: [String: [DateRange]] = [:]
        for i in issued { invoiced[i.item.subscriptionID, default: []].append(i.item.period) }
        var out: [ChargeItem] = []
        // Both lists are in key order: walk them side by side.
        var i = 0, j = 0
        while i < want.count || j < have.count {
            var w: Sum?, h: Sum?
            if j == have.count || (i < want.count && want[i].key < have[j].key) {
                w = want[i]
                i += 1
            } else if i == want.count || have[j].key < want[i].key {
                h = have[j]
                j += 1
            } else {
                (w, h) = (want[i], have[j])
                i += 1
                j += 1
            }
            let key = (w ?? h)!.key
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

    /// One key's items: the first of them (in the order given), which describes the key's item,
    /// and the sum of their amounts.
    typealias Sum = (key: ItemKey, template: ChargeItem, amount: Money)

    /// The items billed before `window.end`, summed per key, in key order. Sorted rather than
    /// hashed: rated items come in key order, so the sort mostly finds runs already in order, and
    /// an item key (three strings, two dates) costs more to hash than to compare.
    static func sums<Items: RandomAccessCollection<ChargeItem>>(_ items: Items, window: DateRange) throws(ArithmeticOverflow) -> [Sum]
    where Items.Index == Int {
        let kept = items.indices.filter { items[$0].billingDate < window.end }
        let keys = kept.map { items[$0].key }
        // Positions in `kept`, by key, and in the order given among equal keys.
        var order = Array(keys.indices)
        order.sort { a, b in
            if keys[a] < keys[b] { return true }
            if keys[b] < keys[a] { return false }
            return a < b
        }
        var out: [Sum] = []
        out.reserveCapacity(order.count)
        for n in order {
            let item = items[kept[n]]
            if let last = out.last, last.key == keys[n] {
                out[out.count - 1].amount = try last.amount + item.amount
            } else {
                out.append((keys[n], item, item.amount))
            }
        }
        return out
    }

    /// The day an item is issued: its natural billing day, or the window's first day if earlier.
    public static func issueDate(of item: ChargeItem, window: DateRange) -> CivilDate { max(item.billingDate, window.start) }
}
