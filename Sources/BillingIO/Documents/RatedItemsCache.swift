import BillingCore

/// Rate's items handed to the invoice stage of the same `billing-pipeline` process, kept with the
/// bytes of the `items.csv` rate wrote.
///
/// The invoice stage reads the run's `items.csv` back (256k rows took it 1.0–1.5 s at 100k
/// customers, on the critical path when the catalog comes from `CatalogCache`). Rate keeps the
/// items as `ItemsCSV.readBack` tells that reading them would give, and the file's bytes; the
/// invoice stage gets the kept items only if the file holds exactly those bytes (any change to it
/// and it is parsed), and only once. A stage run as its own process gets no cache and parses the
/// file, and `PipelineModeTests` holds the two ways to the same outputs.
public final class RatedItemsCache: @unchecked Sendable {
    private var kept: (path: String, bytes: [UInt8], items: [ChargeItem])?
    /// How many reads were answered with kept items.
    public private(set) var hits = 0

    public init() {}

    /// Keeps `items` (as `ItemsCSV.readBack` gives them) for the file at `path`, just written with
    /// `bytes`; nil forgets what was kept.
    public func keep(path: String, bytes: [UInt8], items: [ChargeItem]?) {
        kept = items.map { (path, bytes, $0) }
    }

    /// The items of the `items.csv` at `path`, as `ItemsCSV.read` gives them.
    public func items(path: String) throws -> [ChargeItem] {
        defer { kept = nil }
        if let kept, kept.path == path, try FileSystem.read(path) == kept.bytes {
            hits += 1
            return kept.items
        }
        return try ItemsCSV.read(path: path).map(\.item)
    }
}
