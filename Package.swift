// swift-tools-version:6.0
import PackageDescription

/// The billing pipeline: a pure core, a thin I/O layer, the stages, and one small executable per stage.
let executables = ["ingest", "rate", "invoice", "pay", "report", "verify", "pipeline", "gen", "bench", "fuzz"]

/// On x86-64, Clang may compile its SHA intrinsics for the core's SHA-256, which uses them only
/// when CPUID says the CPU has them (`SHA256+Hardware.swift`).
#if arch(x86_64)
    let coreSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-msha"])]
#else
    let coreSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "Billing",
    products: executables.map { .executable(name: "billing-\($0)", targets: ["billing-\($0)"]) },
    targets: [
        // libcsv, Debian's libcsv-dev: the only dependency outside the toolchain.
        .systemLibrary(name: "CLibCSV", path: "Sources/CLibCSV"),
        // Pure value types and functions: money, calendar, catalog, rating, tax, invoicing, payments, reporting.
        .target(name: "BillingCore", path: "Sources/BillingCore", swiftSettings: coreSettings),
        // The thin I/O layer: the libcsv wrapper, JSON, files, dataset loading, the ledger.
        .target(
            name: "BillingIO", dependencies: ["BillingCore", "CLibCSV"], path: "Sources/BillingIO",
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        // Each stage as a function over the core and the I/O layer, shared by the executables.
        .target(name: "BillingStages", dependencies: ["BillingCore", "BillingIO"], path: "Sources/BillingStages"),
        .testTarget(name: "BillingCoreTests", dependencies: ["BillingCore"], path: "Tests/BillingCoreTests"),
        .testTarget(name: "BillingIOTests", dependencies: ["BillingIO"], path: "Tests/BillingIOTests"),
        .testTarget(
            name: "BillingStagesTests", dependencies: ["BillingStages", "BillingIO", "BillingCore"],
            path: "Tests/BillingStagesTests"),
    ] + executables.map {
        .executableTarget(
            name: "billing-\($0)", dependencies: ["BillingStages"], path: "Sources/Executables/billing-\($0)")
    }
)
