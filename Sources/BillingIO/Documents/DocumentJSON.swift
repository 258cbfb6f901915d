import BillingCore

/// The canonical JSON of a document (SPEC §7): sorted keys, amounts as strings with exactly the
/// currency's decimals, dates `YYYY-MM-DD`, rates as percent strings (`"10"`, `"7.25"`).
public enum DocumentJSON {
    /// Every object's keys are written in byte order, as the file has them, so the writer keeps
    /// them as they are instead of sorting (a test checks the order).
    public static func node(_ d: Document) -> JSONNode {
        let lines = d.lines.map { l -> JSONNode in
            .fields([
                "amount": .string(l.amount.description), "description": .string(l.description), "kind": .string(l.kind.rawValue),
                "metric": l.metric.isEmpty ? .null : .string(l.metric), "period_end": .string(l.period.end.description),
                "period_start": .string(l.period.start.description), "plan_id": .string(l.planID),
                "quantity": .string(l.quantity.normalized.description), "subscription_id": .string(l.subscriptionID),
                "tax_category": .string(l.taxCategory), "tax_rate": .string(l.tax.rate.normalized.description),
                "unit_price": .string(l.unitPrice.normalized.description),
            ])
        }
        let tax = d.tax.summaries.map { t -> JSONNode in
            .fields([
                "name": .string(t.name), "rate": .string(t.rate.normalized.description), "tax": .string(t.tax.description),
                "taxable": .string(t.taxable.description),
            ])
        }
        let c = d.customer
        return .fields([
            "amount_due": .string(d.amountDue.description), "credit_applied": .string(d.creditApplied.description),
            "currency": .string(d.currency.code),
            "customer": .fields([
                "country": .string(c.country), "email": .string(c.email), "id": .string(c.id), "name": .string(c.name),
                "region": .string(c.region), "tax_id": .string(c.taxID),
            ]),
            "due_date": .string(d.dueDate.description), "issue_date": .string(d.issueDate.description), "lines": .array(lines),
            "notes": .array(d.notes.map { .string($0) }), "number": .string(d.number),
            "references": .array(d.references.map { .string($0) }),
            "seller": .fields([
                "address": .string(d.seller.address), "country": .string(d.seller.country), "name": .string(d.seller.name),
                "tax_id": .string(d.seller.taxID),
            ]),
            "subtotal": .string(d.tax.subtotal.description),
            "supply_period": .fields(["end": .string(d.supplyPeriod.end.description), "start": .string(d.supplyPeriod.start.description)]),
            "tax": .array(tax), "tax_total": .string(d.tax.taxTotal.description), "total": .string(d.tax.total.description),
            "type": .string(d.type.rawValue), "voids": d.voids.map { .string($0) } ?? .null,
        ])
    }

    public static func bytes(_ d: Document) -> [UInt8] { JSONWriter.prettyBytes(node(d)) }
}
