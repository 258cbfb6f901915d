import BillingCore
import BillingIO
import Testing
@testable import BillingStages

#if canImport(Glibc)
    import Glibc
#endif

/// billing-verify finds every kind of tampering SPEC §7 and issue #8 name, and says what it found.
@Suite struct TamperTests {
    enum Tamper: String, CaseIterable, Sendable {
        case editFile, deleteFile, addFile, renameFile, editAuditEntry, removeAuditEntry, insertAuditEntry, reorderAuditEntries, registerDisagrees,
            taxesDisagree, taxesForUnknownDocument
    }

    func problems(after tamper: Tamper) throws -> [String] {
        let dir = try TestSupport.workspace()
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        let l = dir + "/ledger"
        func writable(_ p: String) { chmod(p, 0o644) }
        switch tamper {
        case .editFile:
            let p = l + "/invoices/INV-000002.html"
            writable(p)
            try FileSystem.replace(p, Array(try TestSupport.read(p).replacingFirst("2612.95", with: "2612.96").utf8))
        case .deleteFile:
            try FileSystem.remove(l + "/invoices/INV-000003.json")
        case .addFile:
            try FileSystem.replace(l + "/invoices/INV-000099.json", Array("{}\n".utf8))
        case .renameFile:
            rename(l + "/invoices/INV-000004.txt", l + "/invoices/INV-000044.txt")
        case .editAuditEntry, .removeAuditEntry, .insertAuditEntry, .reorderAuditEntries:
            var lines = try TestSupport.read(l + "/audit.jsonl").split(separator: "\n").map(String.init)
            switch tamper {
            case .editAuditEntry: lines[2] = lines[2].replacingFirst("275.57", with: "27.57")
            case .removeAuditEntry: lines.remove(at: 4)
            case .insertAuditEntry: lines.insert(lines[1], at: 3)
            default: lines.swapAt(5, 6)
            }
            try FileSystem.replace(l + "/audit.jsonl", Array((lines.joined(separator: "\n") + "\n").utf8))
        case .registerDisagrees:
            let p = l + "/invoices.csv"
            try FileSystem.replace(p, Array(try TestSupport.read(p).replacingFirst(",7700,", with: ",770,").utf8))
        case .taxesDisagree:
            let p = l + "/taxes.csv"
            try FileSystem.replace(p, Array(try TestSupport.read(p).replacingFirst(",213.00,", with: ",21.30,").utf8))
        case .taxesForUnknownDocument:
            try FileSystem.append(l + "/taxes.csv", Array("INV-000099,10,X,1.00,0.10,USD\n".utf8))
        }
        return try LedgerVerifier.verify(folder: l).problems
    }

    @Test(arguments: Tamper.allCases)
    func verifyNamesWhatItFound(_ tamper: Tamper) throws {
        let found = try problems(after: tamper)
        let expected: String
        switch tamper {
        case .editFile: expected = "invoices/INV-000002.html: content differs from the SHA-256 recorded in the audit log (edited)"
        case .deleteFile: expected = "invoices/INV-000003.json: recorded in the audit log but missing (deleted or renamed)"
        case .addFile: expected = "invoices/INV-000099.json: file not recorded in the audit log (added or renamed)"
        case .renameFile: expected = "invoices/INV-000044.txt: file not recorded in the audit log (added or renamed)"
        case .editAuditEntry: expected = "audit.jsonl:4: chain broken"
        case .removeAuditEntry: expected = "audit.jsonl:5: chain broken"
        case .insertAuditEntry: expected = "audit.jsonl:4: chain broken"
        case .reorderAuditEntries: expected = "audit.jsonl:6: chain broken"
        case .registerDisagrees: expected = "invoices.csv:5: register row for INV-000004 disagrees with its file: total is 770, the file says 7700"
        case .taxesDisagree: expected = "taxes.csv: rows for INV-000002 disagree with its file's tax summary"
        // November issues 7 documents with one rate each: header + 7 rows, so the added row is line 9.
        case .taxesForUnknownDocument: expected = "taxes.csv:9: row for INV-000099, which the audit log does not record"
        }
        #expect(found.contains { $0.hasPrefix(expected) }, "\(tamper): \(found)")
        if tamper == .renameFile { #expect(found.contains("invoices/INV-000004.txt: recorded in the audit log but missing (deleted or renamed)")) }
    }

    @Test func untouchedLedgerVerifies() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.runPipeline(dir, periods: ["2026-11", "2026-12"])
        #expect(try LedgerVerifier.verify(folder: dir + "/ledger").problems.isEmpty)
    }
}
