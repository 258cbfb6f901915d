import BillingCore

/// The printable rendering of a document: one self-contained HTML page (inline CSS, A4, no
/// scripts, fonts, images or links), with every field the JP qualified-invoice and EU VAT rules
/// ask for (docs/legal-fields.md). Labels are bilingual for a Japanese seller.
public enum DocumentHTML {
    /// The page as UTF-8 bytes, the form its file takes, written piece by piece into one buffer.
    public static func bytes(_ d: Document) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        func put(_ s: String) { out += s.utf8 }
        let jp = d.seller.country == "JP"
        func label(_ en: String, _ ja: String) -> String { jp ? "\(ja) / \(en)" : en }
        let title: String
        switch (d.type, jp) {
        case (.invoice, true): title = "適格請求書 / Qualified Invoice"
        case (.creditNote, true): title = "適格返還請求書 / Qualified Credit Note"
        case (.invoice, false): title = "Invoice"
        case (.creditNote, false): title = "Credit note"
        }
        let reverse = d.lines.contains { $0.tax.treatment == .reverseCharge }
        let marked = Set(d.lines.map(\.taxCategory)).subtracting(["standard"])
        put("""
            <!DOCTYPE html>
            <html lang="\(jp ? "ja" : "en")"><head><meta charset="utf-8"><title>\(e(title)) \(e(d.number))</title>
            <style>
            @page { size: A4; margin: 16mm; }
            body { font-family: sans-serif; font-size: 10pt; color: #111; max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
            h1 { font-size: 16pt; margin: 0 0 4mm 0; }
            table { border-collapse: collapse; width: 100%; margin: 3mm 0; }
            th, td { border-bottom: 1px solid #bbb; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
            td.n, th.n { text-align: right; white-space: nowrap; }
            .parties { display: flex; justify-content: space-between; gap: 10mm; margin: 4mm 0; }
            .parties div { width: 48%; }
            .totals { width: 55%; margin-left: auto; }
            .totals td { border: none; }
            .total td { font-weight: bold; border-top: 2px solid #111; }
            .note { margin: 2mm 0; }
            </style></head><body>
            <h1>\(e(title))</h1>
            <table class="meta">
            <tr><th>\(label("Number", "請求書番号"))</th><td class="number">\(e(d.number))</td>
            <th>\(label("Issue date", "発行日"))</th><td class="issue-date">\(d.issueDate)</td></tr>
            <tr><th>\(label("Date of supply", "取引年月日"))</th><td class="supply">\(d.supplyPeriod.start) – \(d.supplyPeriod.end.adding(days: -1))</td>
            <th>\(label("Due date", "支払期日"))</th><td class="due-date">\(d.dueDate)</td></tr>
            </table>
            <div class="parties">
            <div class="seller"><strong>\(label("Seller", "発行事業者"))</strong><br>\(e(d.seller.name))<br>\(e(d.seller.address))<br>\(e(d.seller.country))<br>
            \(label(jp ? "Registration No." : "VAT / tax ID", "登録番号")): <span class="seller-tax-id">\(e(d.seller.taxID))</span></div>
            <div class="customer"><strong>\(label("Customer", "宛先"))</strong><br>\(e(d.customer.name))\(jp ? " 御中" : "") (\(e(d.customer.id)))<br>
            \(e(d.customer.region.isEmpty ? d.customer.country : d.customer.region + ", " + d.customer.country))
            \(d.customer.taxID.isEmpty ? "" : "<br>\(label("VAT / tax ID", "登録番号")): <span class=\"customer-tax-id\">\(e(d.customer.taxID))</span>")</div>
            </div>
            <table class="lines"><thead><tr><th>\(label("Description", "内容"))</th><th>\(label("Service period", "期間"))</th>
            <th class="n">\(label("Qty", "数量"))</th><th class="n">\(label("Unit price", "単価"))</th><th class="n">\(label("Tax rate", "税率"))</th>
            <th class="n">\(label("Amount", "金額")) (\(d.currency.code))</th></tr></thead><tbody>

            """)
        for l in d.lines {
            let mark = l.taxCategory != "standard" ? " ※" : ""
            put("<tr><td>\(e(l.description))\(mark)</td><td>\(l.period.start) – \(l.period.end.adding(days: -1))</td>")
            put("<td class=\"n\">\(l.quantity.normalized)</td><td class=\"n\">\(l.unitPrice.normalized)</td>")
            put("<td class=\"n\">\(l.tax.rate.normalized)%</td><td class=\"n\">\(l.amount)</td></tr>\n")
        }
        put("</tbody></table>\n")
        if !marked.isEmpty {
            put("<p class=\"note reduced\">※ \(label("tax category \(marked.sorted().joined(separator: ", ")) (reduced rate)", "軽減税率対象"))</p>\n")
        }
        put("<table class=\"totals\"><tbody>\n<tr><td>\(label("Subtotal (excl. tax)", "小計（税抜）"))</td><td class=\"n\">\(d.tax.subtotal)</td></tr>\n")
        for t in d.tax.summaries {
            let name = t.name.isEmpty ? label("Tax", "消費税") : e(t.name)
            put("<tr class=\"tax-rate\"><td>\(name) \(t.rate.normalized)% \(label("on", "対象")) \(t.taxable)</td><td class=\"n\">\(t.tax)</td></tr>\n")
        }
        put("<tr><td>\(label("Tax total", "消費税額等"))</td><td class=\"n\">\(d.tax.taxTotal)</td></tr>\n")
        put("<tr class=\"total\"><td>\(label("Total", "合計")) (\(d.currency.code))</td><td class=\"n\">\(d.tax.total)</td></tr>\n")
        if d.type == .invoice {
            put("<tr><td>\(label("Credit applied", "充当額"))</td><td class=\"n\">\(d.creditApplied)</td></tr>\n")
            put("<tr class=\"total\"><td>\(label("Amount due", "ご請求額"))</td><td class=\"n\">\(d.amountDue)</td></tr>\n")
        }
        put("</tbody></table>\n")
        for n in d.notes { put("<p class=\"note\">\(e(n))</p>\n") }
        if reverse {
            put("<p class=\"note reverse-charge\">Reverse charge: VAT to be accounted for by the customer (Article 196, Directive 2006/112/EC). ")
            put("Seller VAT ID \(e(d.seller.taxID)), customer VAT ID \(e(d.customer.taxID)).</p>\n")
        }
        if !d.references.isEmpty { put("<p class=\"note references\">\(label("Corrects", "対象請求書")): \(d.references.map(e).joined(separator: ", "))</p>\n") }
        put("</body></html>\n")
        return out
    }

    /// HTML-escaped text.
    public static func e(_ s: String) -> String {
        // Most text has nothing to escape (a page escapes some thirty strings): it is returned as it is.
        guard s.utf8.contains(where: { [0x26, 0x3C, 0x3E, 0x22, 0x27].contains($0) }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
