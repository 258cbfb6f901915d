import BillingCore
import Testing
@testable import BillingIO

/// `CatalogReader.readAll` hands the catalog over as soon as its customers are read, so that ingest
/// renders the normalised customers on the core the rest of the reading leaves idle (decision 84).
struct CatalogReaderTests {
    /// `samples/basic`, read in place.
    var sample: String {
        // The package root, from this file's path (Tests/BillingIOTests/Dataset/CatalogReaderTests.swift).
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/") + "/samples/basic"
    }

    /// Called once, with all five of the sample's customers (C-001 … C-005) and none of its other
    /// files yet (no plans, no subscriptions); the customers file rendered from it is the one
    /// rendered from the whole catalog afterwards.
    @Test func customersAreHandedOverBeforeTheOtherFiles() {
        var reader = CatalogReader(folder: sample)
        var handed: [Catalog] = []
        reader.readAll { handed.append($0) }
        #expect(reader.errors.isEmpty)
        #expect(handed.count == 1)
        guard let early = handed.first else { return }
        #expect(early.customers.keys.sorted() == ["C-001", "C-002", "C-003", "C-004", "C-005"])
        #expect(early.plans.isEmpty && early.subscriptions.isEmpty)
        #expect(!reader.catalog.plans.isEmpty && !reader.catalog.subscriptions.isEmpty)
        #expect(NormalizedDataset.customersFile(early) == NormalizedDataset.customersFile(reader.catalog))
    }
}
