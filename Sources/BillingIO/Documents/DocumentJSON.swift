import BillingCore

/// The canonical JSON of a document (SPEC §7): sorted keys, amounts as strings with exactly the
/// currency's decimals, dates `YYYY-MM-DD`, rates as percent strings (`"10"`, `"7.25"`).
public enum DocumentJSON {
    public static func node(_ d: Document) -> JSONNode {
        let lines = d.lines.map { l -> JSONNode in
            .object([
                "description": .string(l.description), "subscription_id": .string(l.subscriptionID), "kind": .string(l.kind.rawValue),
                "period_start": .string(l.period.start.description), "period_end": .string(l.period.end.description),
                "quantity": .string(l.quantity.normalized.description), "unit_price": .string(l.unitPrice.normalized.description),
                "amount": .string(l.amount.description), "tax_rate": .string(l.tax.rate.normalized.description),
                "plan_id": .string(l.planID), "metric": l.metric.isEmpty ? .null : .string(l.metric),
                "tax_category": .string(l.taxCategory),
            ])
        }
        let tax = d.tax.summaries.map { t -> JSONNode in
            .object([
                "rate": .string(t.rate.normalized.description), "name": .string(t.name), "taxable": .string(t.taxable.description),
                "tax": .string(t.tax.description),
            ])
        }
        let c = d.customer
        return .object([
            "number": .string(d.number), "type": .string(d.type.rawValue), "issue_date": .string(d.issueDate.description),
            "due_date": .string(d.dueDate.description), "currency": .string(d.currency.code),
            "seller": .object([
                "name": .string(d.seller.name), "address": .string(d.seller.address), "country": .string(d.seller.country),
                "tax_id": .string(d.seller.taxID),
            ]),
            "customer": .object([
                "id": .string(c.id), "name": .string(c.name), "country": .string(c.country), "region": .string(c.region),
                "tax_id": .string(c.taxID), "email": .string(c.email),
            ]),
            "lines": .array(lines), "tax": .array(tax), "subtotal": .string(d.tax.subtotal.description),
            "tax_total": .string(d.tax.taxTotal.description), "total": .string(d.tax.total.description),
            "credit_applied": .string(d.creditApplied.description), "amount_due": .string(d.amountDue.description),
            "notes": .array(d.notes.map { .string($0) }), "references": .array(d.references.map { .string($0) }),
            "voids": d.voids.map { .string($0) } ?? .null,
            "supply_period": .object(["start": .string(d.supplyPeriod.start.description), "end": .string(d.supplyPeriod.end.description)]),
        ])
    }

    public static func bytes(_ d: Document) -> [UInt8] { JSONWriter.prettyBytes(node(d)) }
}
