import BillingCore
import BillingIO

/// How a status change is recorded, in one place for the pay stage (dunning, receipts) and the
/// invoice stage (an invoice voided by its credit note): its `statuses.csv` row, its event and
/// its audit entry.
extension StatusChange {
    /// The row under `PayStage.statusesHeader`.
    var row: [String] { [date.description, entity, id, from, to, reason] }

    /// `invoice.voided`, `subscription.past_due`, …
    var event: EventFeed.Event {
        EventFeed.Event("\(entity).\(to == "void" ? "voided" : to)", on: date, [
            "id": .string(id), "from": .string(from), "to": .string(to), "reason": .string(reason),
        ])
    }

    var audit: AuditLog.Draft {
        AuditLog.draft("status.changed", [
            "date": .string(date.description), "entity": .string(entity), "id": .string(id), "from": .string(from), "to": .string(to),
        ])
    }
}
