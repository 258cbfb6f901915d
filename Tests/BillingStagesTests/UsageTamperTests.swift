import BillingCore
@testable import BillingIO
import Testing
@testable import BillingStages

#if canImport(Glibc)
    import Glibc
#endif

/// billing-verify covers the usage contributions (decision 46): the ids, values and aggregates
/// files decide what later runs bill as new, so an edit there must be as evident as one of a
/// document. November counts e1 and e2 for S-001 (per unit, `api_calls`), which the invoice stage
/// commits as `usage/000001` with its manifest `usage/000001.sha256`.
@Suite struct UsageTamperTests {
    enum Tamper: String, CaseIterable, Sendable {
        case editIDs, editAggregates, deleteValues, addPartition, editIDsAndManifest, deleteManifest, deleteIDs
    }

    func ledger() throws -> String {
        let dir = try TestSupport.workspace()
        let charge = ", \"charges\": [{\"metric\": \"api_calls\", \"aggregation\": \"sum\", \"model\": \"per_unit\", \"unit_price\": \"0.001\"}]}"
        try TestSupport.write(dir + "/dataset/plans.json", try TestSupport.read(dir + "/dataset/plans.json")
            .replacingFirst("\"price\": \"249.95\"}", with: "\"price\": \"249.95\"" + charge))
        try TestSupport.write(dir + "/dataset/usage.csv", "event_id,subscription_id,metric,timestamp,quantity\n"
            + "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\ne2,S-001,api_calls,2026-11-09T09:00:00Z,20\n")
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        return dir + "/ledger"
    }

    /// The ids partition holding e1, relative to the ledger.
    static var e1Partition: String {
        var id = "e1"
        let h = id.withUTF8 { ByteKeyTable.hash(UnsafeRawBufferPointer($0)) }
        return "usage/000001.ids/" + UsageStore.partitionName(UsageStore.partition(ofHash: h))
    }

    func edit(_ path: String, _ target: String, _ replacement: String) throws {
        chmod(path, 0o644)
        let text = try TestSupport.read(path)
        #expect(text.contains(target), "\(path) must hold \(target)")
        try FileSystem.replace(path, Array(text.replacingFirst(target, with: replacement).utf8))
    }

    @Test(arguments: Tamper.allCases)
    func verifyNamesWhatItFound(_ tamper: Tamper) throws {
        let l = try ledger()
        #expect(try LedgerVerifier.verify(folder: l).problems.isEmpty)
        let ids = Self.e1Partition
        let expected: [String]
        // The partition's index (decision 49) still lists e1's hash, not e7's.
        let index = String(ids.dropLast(4)) + ".hashes"
        let indexDisagrees = "\(index): does not match the ids in \(ids) (1 of 1 ids not listed, 1 hashes of no id)"
        switch tamper {
        case .editIDs:
            // e1 renamed in the ids: a later run would bill the real e1 again.
            try edit(l + "/" + ids, "e1,", "e7,")
            expected = ["\(ids): content differs from the SHA-256 recorded in usage/000001.sha256 (edited)", indexDisagrees]
        case .editAggregates:
            // 1000 + 20 = 1020 units counted.
            try edit(l + "/usage/000001.csv", ",1020,", ",1019,")
            expected = ["usage/000001.csv: content differs from the SHA-256 recorded in usage/000001.sha256 (edited)"]
        case .deleteValues:
            try FileSystem.remove(l + "/usage/000001.values.csv")
            expected = ["usage/000001.values.csv: recorded in usage/000001.sha256 but missing (deleted or renamed)"]
        case .addPartition:
            try FileSystem.replace(l + "/usage/000001.ids/zz.csv", Array("event_id,fingerprint\ne9,1\n".utf8))
            expected = ["usage/000001.ids/zz.csv: file not recorded in the audit log (added or renamed)"]
        case .editIDsAndManifest:
            // The manifest made to agree with the edited file: the audit log's digest of it does not.
            let before = SHA256.hex(try FileSystem.read(l + "/" + ids))
            try edit(l + "/" + ids, "e1,", "e7,")
            try edit(l + "/usage/000001.sha256", before, SHA256.hex(try FileSystem.read(l + "/" + ids)))
            expected = ["usage/000001.sha256: content differs from the SHA-256 recorded in the audit log (edited)", indexDisagrees]
        case .deleteIDs:
            // e1's ids gone, its index left: ingest would find e1's hash and no e1.
            try FileSystem.remove(l + "/" + ids)
            expected = ["\(ids): recorded in usage/000001.sha256 but missing (deleted or renamed)", "\(index): index without its ids file \(ids)"]
        case .deleteManifest:
            try FileSystem.remove(l + "/usage/000001.sha256")
            expected = ["usage/000001.sha256: recorded in the audit log but missing (deleted or renamed)"]
        }
        let found = try LedgerVerifier.verify(folder: l).problems
        #expect(found == expected)
    }

    /// The manifest lists the contribution's files, aggregates first, each with its SHA-256, in
    /// the format `sha256sum -c` reads, and that tool accepts it from the ledger folder.
    @Test func manifestIsWhatSha256sumChecks() throws {
        let l = try ledger()
        let lines = try TestSupport.read(l + "/usage/000001.sha256").split(separator: "\n").map(String.init)
        let pieces = ["usage/000001.csv", "usage/000001.values.csv"] + (try FileSystem.list(l + "/usage/000001.ids")).map { "usage/000001.ids/" + $0 }
        #expect(pieces.count >= 3)
        #expect(lines == (try pieces.map { "\(SHA256.hex(try FileSystem.read(l + "/" + $0)))  \($0)" }))
        let audit = try TestSupport.read(l + "/audit.jsonl").split(separator: "\n").last { $0.contains("\"usage.recorded\"") }
        #expect(audit?.contains("\"manifest_sha256\":\"\(SHA256.hex(try FileSystem.read(l + "/usage/000001.sha256")))\"") == true)
        // Every piece and the manifest itself are checked.
        #expect(try LedgerVerifier.verify(folder: l).usageFiles == pieces.count + 1)
        if FileSystem.exists("/usr/bin/sha256sum") {
            let checked = try TestSupport.run("/bin/sh", ["-c", "cd '\(l)' && /usr/bin/sha256sum --quiet -c usage/000001.sha256"])
            #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        }
    }
}
