import BillingCore
@testable import BillingIO
import Testing
@testable import BillingStages

#if canImport(Glibc)
    import Glibc
#endif

/// Deduplication against earlier runs reads their ids through each partition's index of id
/// hashes (decision 49). November counts e1 (1000 units) for S-001 (per unit 0.001, `api_calls`);
/// its period [11-07, 12-07) is billed in December.
@Suite struct UsageIndexTests {
    let billing = UsageBillingTests()

    static func hash(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { ByteKeyTable.hash(UnsafeRawBufferPointer($0)) }
    }

    static let e1Partition = UsageStore.partition(ofHash: hash("e1"))
    /// An id other than e1 in e1's partition.
    static let neighbour = (0...).lazy.map { "y\($0)" }.first { UsageStore.partition(ofHash: hash($0)) == e1Partition }!

    func november() throws -> String {
        let dir = try billing.workspace()
        try billing.run(dir, "2026-11", usage: "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\n")
        return dir
    }

    func replace(_ path: String, _ bytes: [UInt8]) throws {
        try FileSystem.remove(path)
        try FileSystem.replace(path, bytes)
    }

    var idsPath: String { "/ledger/usage/000001.ids/" + UsageStore.partitionName(Self.e1Partition) }
    var indexPath: String { "/ledger/usage/000001.ids/" + UsageIDHashes.name(Self.e1Partition) }

    /// Every contribution's partition has its index beside its ids, listing their hashes.
    @Test func eachIdsFileHasItsIndex() throws {
        let dir = try november()
        #expect(try FileSystem.list(dir + "/ledger/usage/000001.ids") == [UsageIDHashes.name(Self.e1Partition), UsageStore.partitionName(Self.e1Partition)].sorted())
        #expect(try UsageIDHashes.parse(try FileSystem.read(dir + indexPath), partition: Self.e1Partition, path: "") == [Self.hash("e1")])
    }

    /// An earlier ids file is read only when one of the run's ids has a hash in its index: with
    /// that file made unreadable, December's new e5 is billed, and e1 sent again stops ingest
    /// on the unreadable file (it is read, not skipped).
    @Test func idsAreReadOnlyOnAHashMatch() throws {
        let dir = try november()
        try replace(dir + idsPath, Array("event_id,fingerprint\ne1,not hex\n".utf8))
        // [11-07, 12-07): e1 1000 + e5 500 = 1500 units × 0.001 = 1.50.
        try billing.run(dir, "2026-12", usage: "e5,S-001,api_calls,2026-11-20T09:00:00Z,500\n")
        #expect(try billing.usageLines(dir) == ["INV-000009 2026-12-07 2026-11-07..2026-12-07 1.50 Pro (monthly): api_calls, 1500 units (sum, per_unit)"])
        try TestSupport.write(dir + "/dataset/usage.csv", "event_id,subscription_id,metric,timestamp,quantity\ne1,S-001,api_calls,2026-11-08T09:00:00Z,1000\n")
        #expect { try IngestStage.run(try TestSupport.config(dir, period: "2027-01")) } throws: {
            "\($0)".contains(dir + idsPath + ":2: unreadable event id row")
        }
    }

    /// A hash in the index that belongs to another id than this run's (two ids, one hash) does not
    /// make the event a repeat: the ids themselves decide. The neighbour's hash stands in e1's
    /// place in the index; December's neighbour is counted once: 1000 + 500 = 1500 units = 1.50.
    /// `billing-verify` reports the index that no longer lists the ids' hashes.
    @Test func aHashMatchIsConfirmedByTheIds() throws {
        let dir = try november()
        try replace(dir + indexPath, UsageIDHashes.bytes([Self.hash(Self.neighbour)]))
        try billing.run(dir, "2026-12", usage: "\(Self.neighbour),S-001,api_calls,2026-11-20T09:00:00Z,500\n")
        #expect(try billing.usageLines(dir) == ["INV-000009 2026-12-07 2026-11-07..2026-12-07 1.50 Pro (monthly): api_calls, 1500 units (sum, per_unit)"])
        let index = String(indexPath.dropFirst("/ledger/".count)), ids = String(idsPath.dropFirst("/ledger/".count))
        #expect(try LedgerVerifier.verify(folder: dir + "/ledger").problems == [
            "\(index): content differs from the SHA-256 recorded in usage/000001.sha256 (edited)",
            "\(index): does not match the ids in \(ids) (1 of 1 ids not listed, 1 hashes of no id)",
        ])
    }

    /// An index that lists more hashes than its ids file has rows stops ingest when it is used.
    @Test func anIndexThatDisagreesWithItsIdsStopsIngest() throws {
        let dir = try november()
        try replace(dir + indexPath, UsageIDHashes.bytes([Self.hash("e1"), Self.hash(Self.neighbour)]))
        try TestSupport.write(dir + "/dataset/usage.csv", "event_id,subscription_id,metric,timestamp,quantity\n\(Self.neighbour),S-001,api_calls,2026-11-20T09:00:00Z,500\n")
        #expect { try IngestStage.run(try TestSupport.config(dir, period: "2026-12")) } throws: {
            "\($0)".hasSuffix("\(dir + idsPath): its ids do not match its index \(dir + indexPath)")
        }
    }

    /// An index that misses a billed id lets that id through until another id of the run sends
    /// ingest to the ids: then the id found counted twice stops ingest. November bills e1 and the
    /// neighbour; the index lists the neighbour twice and e1 not; December sends e1, then the
    /// neighbour.
    @Test func anIndexMissingABilledIdStopsIngestWhenTheIdsAreRead() throws {
        let dir = try billing.workspace()
        try billing.run(dir, "2026-11", usage: "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\n\(Self.neighbour),S-001,api_calls,2026-11-09T09:00:00Z,20\n")
        try replace(dir + indexPath, UsageIDHashes.bytes([Self.hash(Self.neighbour), Self.hash(Self.neighbour)]))
        try TestSupport.write(dir + "/dataset/usage.csv", "event_id,subscription_id,metric,timestamp,quantity\n"
            + "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\n\(Self.neighbour),S-001,api_calls,2026-11-09T09:00:00Z,20\n")
        #expect { try IngestStage.run(try TestSupport.config(dir, period: "2026-12")) } throws: {
            "\($0)".hasSuffix("\(dir + idsPath): its ids do not match its index \(dir + indexPath)")
        }
    }

    /// A contribution without indexes (a ledger written before them) has its ids read first:
    /// e1 sent again is a duplicate, e2 with other content is rejected. November counted e1 1000
    /// and e2 20; December's period line: 1020 units × 0.001 = 1.02.
    @Test func aContributionWithoutIndexesIsStillDeduplicated() throws {
        let dir = try billing.workspace()
        try billing.run(dir, "2026-11", usage: "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\ne2,S-001,api_calls,2026-11-09T09:00:00Z,20\n")
        for name in try FileSystem.list(dir + "/ledger/usage/000001.ids") where name.hasSuffix(".hashes") {
            try FileSystem.remove(dir + "/ledger/usage/000001.ids/" + name)
        }
        try billing.run(dir, "2026-12", usage: "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\ne2,S-001,api_calls,2026-11-09T09:00:00Z,21\n")
        #expect(try billing.usageLines(dir) == ["INV-000009 2026-12-07 2026-11-07..2026-12-07 1.02 Pro (monthly): api_calls, 1020 units (sum, per_unit)"])
        #expect(try TestSupport.read(dir + "/out/2026-12/rejects.csv")
                == "file,line,event_id,reason\nusage.csv,3,e2,duplicate event_id with different content (already billed)\n")
    }

    /// `billing-verify` holds each index to its ids file row by row: the same hashes in another
    /// order, one missing, or an index beside no ids file, each named.
    @Test func verifierComparesIndexesRowByRow() throws {
        let folder = TestSupport.tempFolder()
        let partition = UsageStore.partitionName(Self.e1Partition), index = UsageIDHashes.name(Self.e1Partition)
        try FileSystem.createDirectory(folder + "/usage")
        try FileSystem.createDirectory(folder + "/usage/000001.ids")
        try FileSystem.replace(folder + "/usage/000001.ids/" + partition, Array("event_id,fingerprint\ne1,1\n\(Self.neighbour),2\n".utf8))
        let files = ["usage/000001.ids/" + index, "usage/000001.ids/" + partition]
        func check(_ hashes: [UInt64]) throws -> [String] {
            try FileSystem.replace(folder + "/" + files[0], UsageIDHashes.bytes(hashes))
            return try LedgerVerifier.checkIndexes(folder: folder, files: files)
        }
        let (e1, y) = (Self.hash("e1"), Self.hash(Self.neighbour))
        #expect(try check([e1, y]) == [])
        #expect(try check([y, e1]) == ["\(files[0]): does not match the ids in \(files[1]) (their hashes in another order)"])
        #expect(try check([e1]) == ["\(files[0]): does not match the ids in \(files[1]) (1 of 2 ids not listed, 0 hashes of no id)"])
        #expect(try LedgerVerifier.checkIndexes(folder: folder, files: [files[0]]) == ["\(files[0]): index without its ids file \(files[1])"])
    }
}
