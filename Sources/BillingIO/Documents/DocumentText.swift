import BillingCore

/// A plain-text rendering of a document for people: what an accountant reads before filing the
/// JSON. Deterministic, like every output.
public enum DocumentText {
    public static func render(_ d: Document) -> String {
        var out: [String] = []
        let title = d.type == .invoice ? "INVOICE" : "CREDIT NOTE"
        out.append("\(title) \(d.number)")
        out.append(String(repeating: "=", count: title.count + 1 + d.number.count))
        out.append("Issue date: \(d.issueDate)    Due date: \(d.dueDate)    Currency: \(d.currency.code)")
        out.append("")
        out.append("From: \(d.seller.name)")
        if !d.seller.address.isEmpty { out.append("      \(d.seller.address)") }
        out.append("      \(d.seller.country)\(d.seller.taxID.isEmpty ? "" : "  Tax ID: \(d.seller.taxID)")")
        out.append("To:   \(d.customer.name) (\(d.customer.id))")
        let place = d.customer.region.isEmpty ? d.customer.country : "\(d.customer.region), \(d.customer.country)"
        out.append("      \(place)\(d.customer.taxID.isEmpty ? "" : "  Tax ID: \(d.customer.taxID)")")
        out.append("")
        let rows = d.lines.map { l in
            [l.description + (l.taxCategory == "standard" ? "" : " ※"), "\(l.period.start) – \(l.period.end.adding(days: -1))", l.quantity.normalized.description,
             l.unitPrice.normalized.description, l.tax.rate.normalized.description + "%", l.amount.description]
        }
        out += table(["Description", "Service period", "Qty", "Unit price", "Tax", "Amount"], rows, rightAligned: [2, 3, 4, 5])
        let reduced = Set(d.lines.map(\.taxCategory)).subtracting(["standard"])
        if !reduced.isEmpty { out.append("※ tax category \(reduced.sorted().joined(separator: ", ")) (reduced rate)") }
        out.append("")
        var totals: [[String]] = [["Subtotal", d.tax.subtotal.description]]
        for t in d.tax.summaries {
            let label = (t.name.isEmpty ? "Tax" : t.name) + " \(t.rate.normalized)% on \(t.taxable)"
            totals.append([label, t.tax.description])
        }
        totals.append(["Total", d.tax.total.description])
        if d.type == .invoice {
            totals.append(["Credit applied", d.creditApplied.description])
            totals.append(["Amount due", d.amountDue.description])
        }
        out += table(["", d.currency.code], totals, rightAligned: [1])
        if !d.notes.isEmpty || !d.references.isEmpty {
            out.append("")
            out += d.notes.map { "Note: \($0)" }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Columns padded to their widest cell, by display width.
    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int>) -> [String] {
        let all = [header] + rows
        let cellWidths = all.map { $0.map(width) }
        let widths = header.indices.map { c in cellWidths.map { $0[c] }.max() ?? 0 }
        func line(_ r: Int) -> String {
            var out: [UInt8] = []
            out.reserveCapacity(widths.reduce(2 * widths.count, +) + 16)
            for (c, cell) in all[r].enumerated() {
                if c > 0 { out += [0x20, 0x20] }
                let pad = repeatElement(UInt8(0x20), count: widths[c] - cellWidths[r][c])
                if rightAligned.contains(c) {
                    out += pad
                    out += cell.utf8
                } else {
                    out += cell.utf8
                    out += pad
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        return [line(0), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.indices.map { line($0 + 1) }
    }

    /// Columns a string takes in a monospaced terminal: East Asian wide and fullwidth characters take
    /// two, combining marks none.
    static func width(_ s: String) -> Int {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s.utf8.count }
        return s.unicodeScalars.reduce(0) { total, u in
            let v = u.value
            if (0x0300...0x036F).contains(v) || (0x3099...0x309A).contains(v) { return total }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return total + (wide ? 2 : 1)
        }
    }
}
