import BillingCore

/// A plain-text rendering of a document for people: what an accountant reads before filing the
/// JSON. Deterministic, like every output.
public enum DocumentText {
    /// The rendering as UTF-8 bytes, the form its file takes, written line by line into one buffer.
    public static func bytes(_ d: Document) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        func line(_ s: String) {
            out += s.utf8
            out.append(0x0A)
        }
        let title = d.type == .invoice ? "INVOICE" : "CREDIT NOTE"
        line("\(title) \(d.number)")
        out += repeatElement(UInt8(ascii: "="), count: title.count + 1 + d.number.count)
        out.append(0x0A)
        line("Issue date: \(d.issueDate)    Due date: \(d.dueDate)    Currency: \(d.currency.code)")
        line("")
        line("From: \(d.seller.name)")
        if !d.seller.address.isEmpty { line("      \(d.seller.address)") }
        line("      \(d.seller.country)\(d.seller.taxID.isEmpty ? "" : "  Tax ID: \(d.seller.taxID)")")
        line("To:   \(d.customer.name) (\(d.customer.id))")
        let place = d.customer.region.isEmpty ? d.customer.country : "\(d.customer.region), \(d.customer.country)"
        line("      \(place)\(d.customer.taxID.isEmpty ? "" : "  Tax ID: \(d.customer.taxID)")")
        line("")
        let rows = d.lines.map { l in
            [l.description + (l.taxCategory == "standard" ? "" : " ※"), "\(l.period.start) – \(l.period.end.adding(days: -1))", l.quantity.normalized.description,
             l.unitPrice.normalized.description, l.tax.rate.normalized.description + "%", l.amount.description]
        }
        table(["Description", "Service period", "Qty", "Unit price", "Tax", "Amount"], rows, rightAligned: [2, 3, 4, 5], into: &out)
        let reduced = Set(d.lines.map(\.taxCategory)).subtracting(["standard"])
        if !reduced.isEmpty { line("※ tax category \(reduced.sorted().joined(separator: ", ")) (reduced rate)") }
        line("")
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
        table(["", d.currency.code], totals, rightAligned: [1], into: &out)
        if !d.notes.isEmpty || !d.references.isEmpty {
            line("")
            for note in d.notes { line("Note: \(note)") }
        }
        return out
    }

    /// Appends a table, each line LF-terminated: columns padded to their widest cell by display
    /// width and joined by two spaces, a line of dashes under the header.
    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int>, into out: inout [UInt8]) {
        let all = [header] + rows
        let cellWidths = all.map { $0.map(width) }
        let widths = header.indices.map { c in cellWidths.map { $0[c] }.max() ?? 0 }
        func line(_ r: Int) {
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
            out.append(0x0A)
        }
        line(0)
        for (c, w) in widths.enumerated() {
            if c > 0 { out += [0x20, 0x20] }
            out += repeatElement(UInt8(ascii: "-"), count: w)
        }
        out.append(0x0A)
        for r in rows.indices { line(r + 1) }
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
