import CLibCSV

#if canImport(Glibc)
    import Glibc
#endif

/// The benchmark's yardstick: a file parsed by bare libcsv in strict mode with callbacks that only
/// count, fed in 1 MiB chunks. Nothing the pipeline does per event can be faster than this.
public enum CSVYardstick {
    final class Counts {
        var fields = 0
        var records = 0
    }

    /// Records (header included) and fields in the file.
    public static func count(path: String) throws -> (records: Int, fields: Int) {
        var parser = csv_parser()
        guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI)) == 0 else { throw StageFailure.io("libcsv: init failed") }
        defer { csv_free(&parser) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StageFailure.io("\(path): cannot open") }
        defer { close(fd) }
        let counts = Counts()
        let context = Unmanaged.passUnretained(counts).toOpaque()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            let used = chunk.withUnsafeBytes { csv_parse(&parser, $0.baseAddress, n, countField, countRecord, context) }
            if used != n { throw StageFailure.io("\(path): libcsv parse error") }
        }
        csv_fini(&parser, countField, countRecord, context)
        return (counts.records, counts.fields)
    }

    /// Records and fields in the file as the pipeline's `CSVReader` delivers them (line counting,
    /// field buffer, one callback per record) with no work done on them: what the reader itself
    /// costs over bare libcsv.
    public static func countWithReader(path: String) throws -> (records: Int, fields: Int) {
        var records = 0
        var fields = 0
        try CSVReader.read(path: path) { row in
            records += 1
            fields += row.count
        }
        return (records, fields)
    }
}

private func countField(_ data: UnsafeMutableRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVYardstick.Counts>.fromOpaque(context!).takeUnretainedValue().fields += 1
}

private func countRecord(_ terminator: Int32, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVYardstick.Counts>.fromOpaque(context!).takeUnretainedValue().records += 1
}
