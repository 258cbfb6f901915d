import BillingCore
import BillingIO
@testable import BillingStages

#if canImport(Glibc)
    import Glibc
#endif

/// Helpers for tests that run stages on real files: temp folders, sample copies, subprocesses.
enum TestSupport {
    /// The package root, from this file's path (Tests/BillingStagesTests/TestSupport.swift).
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The folder holding the built executables (beside the test bundle).
    static let binFolder: String = {
        let candidates = [root + "/.build/debug", FileSystem.parent(CommandLine.arguments[0])]
        return candidates.first { FileSystem.exists($0 + "/billing-pipeline") } ?? candidates[0]
    }()

    static func tempFolder() -> String {
        var template = Array("/tmp/billing-test-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return path
    }

    static func write(_ path: String, _ text: String) throws {
        try FileSystem.createDirectory(FileSystem.parent(path))
        try FileSystem.replace(path, Array(text.utf8))
    }

    static func read(_ path: String) throws -> String { try FileSystem.readText(path) }

    /// Copies a sample's dataset files (not its expected/ outputs) into `to`.
    static func copySample(_ name: String, to: String) throws {
        let from = root + "/samples/" + name
        try FileSystem.createDirectory(to)
        for f in try FileSystem.list(from) where f.hasSuffix(".csv") || f.hasSuffix(".json") {
            try FileSystem.replace(to + "/" + f, try FileSystem.read(from + "/" + f))
        }
    }

    /// A work folder with `dataset/` (a copy of the sample) and `pipeline.json` pointing at it.
    static func workspace(sample: String = "basic", edit: (inout String) -> Void = { _ in }) throws -> String {
        let dir = tempFolder()
        try copySample(sample, to: dir + "/dataset")
        var config = try read(root + "/samples/\(sample)/pipeline.json")
        config = config.replacingFirst("\"dataset\": \".\"", with: "\"dataset\": \"dataset\"")
        edit(&config)
        try write(dir + "/pipeline.json", config)
        return dir
    }

    static func config(_ dir: String, period: String? = nil) throws -> PipelineConfig {
        try PipelineConfigLoader.load(path: dir + "/pipeline.json", periodOverride: period)
    }

    /// The files of a run's `OUTPUT/<period>/` folder, sorted: what golden files keep of a run
    /// (Tests/golden.sh copies the same: every file there, not the `ingest/` folder).
    static func runOutputs(_ folder: String) throws -> [String] {
        try FileSystem.list(folder).filter { !FileSystem.isDirectory(folder + "/" + $0) }.sorted()
    }

    /// The runs of a sample: `(period, dataset folder)` from `samples/<name>/runs`.
    static func runs(_ sample: String) throws -> [(period: String, folder: String)] {
        try read(root + "/samples/\(sample)/runs").split(separator: "\n").map { line in
            let parts = line.split(separator: " ").map(String.init)
            return (parts[0], root + "/samples/\(sample)/" + parts[1])
        }
    }

    /// Runs a sample as its `runs` file says, in a new work folder (ledger and outputs there);
    /// `repeatEach` runs every month twice. Returns the work folder.
    static func runSample(_ sample: String, repeatEach: Bool = false, afterEach: (String, String) throws -> Void = { _, _ in }) throws -> String {
        let dir = tempFolder()
        let template = try read(root + "/samples/\(sample)/pipeline.json")
        for run in try runs(sample) {
            try write(dir + "/pipeline.json", template.replacingFirst("\"dataset\": \".\"", with: "\"dataset\": \"\(run.folder)\""))
            try Pipeline.run(try config(dir, period: run.period))
            try afterEach(dir, run.period)
        }
        return dir
    }

    /// Runs the whole pipeline in-process for each period.
    static func runPipeline(_ dir: String, periods: [String]) throws {
        for p in periods { try Pipeline.run(try config(dir, period: p)) }
    }

    /// Every file below `folder` (relative path → bytes), without the lock file.
    static func snapshot(_ folder: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        func walk(_ rel: String) throws {
            let full = rel.isEmpty ? folder : folder + "/" + rel
            for name in try FileSystem.list(full) {
                let r = rel.isEmpty ? name : rel + "/" + name
                if FileSystem.isDirectory(folder + "/" + r) { try walk(r) } else if name != "lock" { out[r] = try FileSystem.read(folder + "/" + r) }
            }
        }
        if FileSystem.exists(folder) { try walk("") }
        return out
    }

    struct Outcome {
        var status: Int32
        var signaled: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs an executable of this package with `args`, and extra environment variables.
    static func run(_ tool: String, _ args: [String], env: [String: String] = [:]) throws -> Outcome {
        let out = tempFolder()
        let path = tool.hasPrefix("/") ? tool : binFolder + "/" + tool
        let r = try Subprocess.run(path, args, environment: env, stdout: out + "/stdout", stderr: out + "/stderr")
        return Outcome(status: r.status, signaled: r.signaled, stdout: try read(out + "/stdout"), stderr: try read(out + "/stderr"))
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return String(self[..<r.lowerBound]) + replacement + String(self[r.upperBound...])
    }

    func range(of target: String) -> Range<String.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
