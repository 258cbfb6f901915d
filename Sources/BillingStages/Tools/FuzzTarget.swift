import BillingCore
import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// One fuzz input through the ingestion code (issue #8): the first byte picks what the rest is fed
/// to (a JSON document, `plans.json`, `pipeline.json`, a dataset CSV, `usage.csv`); every error must
/// be a reported one, never a crash, hang or leak. Files go to a scratch dataset folder made once
/// from `samples/basic`.
public enum FuzzTarget {
    nonisolated(unsafe) static var folder: String?
    nonisolated(unsafe) static var baseCatalog: Catalog?

    static func setUp() -> String {
        if let folder { return folder }
        var template = Array("/tmp/billing-fuzz-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        for f in (try? FileSystem.list("samples/basic")) ?? [] where f.hasSuffix(".csv") || f.hasSuffix(".json") {
            if let bytes = try? FileSystem.read("samples/basic/" + f) { try? FileSystem.replace(dir + "/" + f, bytes) }
        }
        folder = dir
        baseCatalog = try? NormalizedDataset.read(folder: dir)
        return dir
    }

    static let csvFiles = ["customers.csv", "subscriptions.csv", "tax_rates.csv", "subscription_changes.csv", "payments_received.csv", "fx_rates.csv"]

    public static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let body = Array(input.dropFirst())
        let dir = setUp()
        switch selector % 5 {
        case 0:
            _ = try? JSONParser.parse(body, file: "input.json")
        case 1:
            _ = try? PlansReader.read(body, file: "plans.json")
        case 2:
            let path = dir + "/fuzz-pipeline.json"
            try? FileSystem.replace(path, body)
            _ = try? PipelineConfigLoader.load(path: path, periodOverride: nil)
        case 3:
            let name = csvFiles[Int(selector / 5) % csvFiles.count]
            let path = dir + "/" + name
            let original = (try? FileSystem.read(path)) ?? []
            try? FileSystem.replace(path, body)
            var reader = CatalogReader(folder: dir)
            reader.readAll()
            if original.isEmpty { try? FileSystem.remove(path) } else { try? FileSystem.replace(path, original) }
        default:
            let path = dir + "/usage.csv"
            try? FileSystem.replace(path, body)
            guard let catalog = baseCatalog, let window = DateRange.month("2026-11") else { return }
            guard let scanner = try? UsageScanner(catalog: catalog, settings: BillingSettings(), window: window, scratch: dir + "/spill") else { return }
            try? scanner.scan(path: path)
            try? scanner.deduplicate(idsBase: dir + "/contribution")
            try? scanner.writeRejects(to: dir + "/rejects.csv")
        }
    }
}
