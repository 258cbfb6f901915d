import BillingCore

/// Checks a ledger for tampering (SPEC §7): the audit hash chain line by line, every document
/// file against the digest its audit entry recorded, no document file without an entry, and
/// every register row against its file, and every file of the usage contributions against their
/// manifests (`LedgerVerifier+Usage`). Returns the problems found, empty when intact.
public enum LedgerVerifier {
    public struct Report {
        public var problems: [String] = []
        public var entries = 0
        public var documents = 0
        /// Files of usage contributions that match the digest the ledger recorded.
        public var usageFiles = 0
    }

    public static func verify(folder: String) throws -> Report {
        var report = Report()
        let auditPath = FileSystem.join(folder, "audit.jsonl")
        var expected: [String: [String: String]] = [:]
        var usage: [RecordedUsage] = []
        if FileSystem.exists(auditPath) {
            let bytes = try FileSystem.read(auditPath)
            if let last = bytes.last, last != UInt8(ascii: "\n") { report.problems.append("audit.jsonl: last line is incomplete") }
            var prev = AuditLog.genesis
            for (i, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                let n = i + 1
                report.entries += 1
                guard let entry = try? JSONParser.parse(Array(line), file: auditPath) else {
                    report.problems.append("audit.jsonl:\(n): not a JSON entry")
                    prev = SHA256.hex(line)
                    continue
                }
                if entry["prev"]?.stringValue != prev {
                    report.problems.append("audit.jsonl:\(n): chain broken: prev does not match the hash of line \(n - 1) (an entry was edited, removed, inserted or reordered)")
                }
                if case .number(let s) = entry["seq"]?.value, s != String(n) {
                    report.problems.append("audit.jsonl:\(n): seq is \(s), expected \(n)")
                }
                if entry["kind"]?.stringValue == "document.issued", let number = entry["number"]?.stringValue {
                    expected[number] = ["json": entry["sha256"]?.stringValue ?? "", "txt": entry["text_sha256"]?.stringValue ?? "",
                                        "html": entry["html_sha256"]?.stringValue ?? ""]
                }
                if entry["kind"]?.stringValue == "usage.recorded", let file = entry["file"]?.stringValue {
                    usage.append(RecordedUsage(
                        file: file, sha256: entry["sha256"]?.stringValue ?? "", manifest: entry["manifest"]?.stringValue,
                        manifestSHA256: entry["manifest_sha256"]?.stringValue ?? ""))
                }
                prev = SHA256.hex(line)
            }
        }
        let usageChecked = try verifyUsage(folder: folder, recorded: usage)
        report.problems += usageChecked.problems
        report.usageFiles = usageChecked.matching
        let invoices = FileSystem.join(folder, "invoices")
        let names = try FileSystem.list(invoices)
        let present = Set(names)
        // Every file's digest, hashed over every core (a month of 100k documents is 300k files).
        let files = names.filter { !$0.hasSuffix(".tmp") }
        let digests = files.parallelMap { name in Result { SHA256.hex(try FileSystem.read(FileSystem.join(invoices, name))) } }
        for (name, digested) in zip(files, digests) {
            let ext = String(name.split(separator: ".").last ?? "")
            let number = String(name.dropLast(ext.count + 1))
            guard let digest = expected[number]?[ext] else {
                report.problems.append("invoices/\(name): file not recorded in the audit log (added or renamed)")
                continue
            }
            let actual = try digested.get()
            if actual != digest {
                report.problems.append("invoices/\(name): content differs from the SHA-256 recorded in the audit log (edited)")
            }
        }
        for number in expected.keys.sorted() {
            report.documents += 1
            for ext in ["json", "txt", "html"] where !present.contains("\(number).\(ext)") {
                report.problems.append("invoices/\(number).\(ext): recorded in the audit log but missing (deleted or renamed)")
            }
        }
        // taxes.csv, per document: its rows as (rate, name, taxable, tax), compared with the file.
        var taxRows: [String: [[String]]] = [:]
        let taxesPath = FileSystem.join(folder, "taxes.csv")
        if FileSystem.exists(taxesPath) {
            let table = try CSVTable.load(path: taxesPath, displayPath: taxesPath)
            let cols = table.columns
            for row in table.rows {
                let field = { (name: String) in CSVWriter.unneutralized(cols[name].map { row.fields[$0] } ?? "") }
                let number = field("document")
                if expected[number] == nil { report.problems.append("taxes.csv:\(row.line): row for \(number), which the audit log does not record") }
                taxRows[number, default: []].append(["rate", "name", "taxable", "tax"].map(field))
            }
        }
        let registerPath = FileSystem.join(folder, "invoices.csv")
        if FileSystem.exists(registerPath) {
            let table = try CSVTable.load(path: registerPath, displayPath: registerPath)
            let cols = table.columns
            let listed = Set(table.rows.map { $0.fields[cols["number"] ?? 0] })
            // Each row against its document, over every core; the problems come back in row order.
            let (expected, taxRows) = (expected, taxRows)
            let checked = table.rows.parallelMap { row -> [String] in
                var problems: [String] = []
                let number = row.fields[cols["number"] ?? 0]
                if expected[number]?["json"] != row.fields[cols["sha256"] ?? 0] {
                    problems.append("invoices.csv:\(row.line): register row for \(number) disagrees with its file's recorded SHA-256")
                }
                // Every figure of the row must be the document's own.
                let path = FileSystem.join(invoices, number + ".json")
                guard FileSystem.exists(path), let doc = try? JSONParser.parse(try FileSystem.read(path), file: path) else { return problems }
                for field in ["type", "issue_date", "due_date", "currency", "subtotal", "tax_total", "total", "credit_applied", "amount_due"] {
                    let inRow = CSVWriter.unneutralized(cols[field].map { row.fields[$0] } ?? "")
                    if let inFile = doc[field]?.stringValue, inFile != inRow {
                        problems.append("invoices.csv:\(row.line): register row for \(number) disagrees with its file: \(field) is \(inRow), the file says \(inFile)")
                    }
                }
                // A document issued before the ledger had taxes.csv has no rows there.
                let inFile = (doc["tax"]?.arrayValue ?? []).map { t in ["rate", "name", "taxable", "tax"].map { t[$0]?.stringValue ?? "" } }
                if let rows = taxRows[number], rows != inFile {
                    problems.append("taxes.csv: rows for \(number) disagree with its file's tax summary")
                }
                if let c = cols["customer_id"], doc["customer"]?["id"]?.stringValue != row.fields[c] {
                    problems.append("invoices.csv:\(row.line): register row for \(number) disagrees with its file: customer_id")
                }
                return problems
            }
            report.problems += checked.joined()
            for number in expected.keys.sorted() where !listed.contains(number) {
                report.problems.append("invoices.csv: no register row for \(number)")
            }
        }
        return report
    }
}
