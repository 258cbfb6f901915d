#if canImport(Glibc)
    import Glibc
#endif

/// Copies `count` bytes from `source` to `destination` (the two must not overlap).
///
/// Usage rows are made of short fields (an 11-byte id, a quantity of one to three digits), and
/// ingest copies each one at least twice: fields of up to 16 bytes are moved by two loads and two
/// stores, which may overlap each other but stay within the `count` bytes at either end, where a
/// call to `memcpy` spent about twenty instructions more in its call and dispatch. Longer ones
/// go to `memcpy`.
@inline(__always)
func shortCopy(_ source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, count: Int) {
    if count >= 8 {
        guard count <= 16 else {
            memcpy(destination, source, count)
            return
        }
        let head = source.loadUnaligned(as: UInt64.self)
        let tail = source.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        destination.storeBytes(of: head, as: UInt64.self)
        destination.storeBytes(of: tail, toByteOffset: count &- 8, as: UInt64.self)
    } else if count >= 4 {
        let head = source.loadUnaligned(as: UInt32.self)
        let tail = source.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
        destination.storeBytes(of: head, as: UInt32.self)
        destination.storeBytes(of: tail, toByteOffset: count &- 4, as: UInt32.self)
    } else if count > 0 {
        // One to three bytes: the first, the middle one and the last (some the same byte).
        let first = source.load(as: UInt8.self)
        let middle = source.load(fromByteOffset: count >> 1, as: UInt8.self)
        let last = source.load(fromByteOffset: count &- 1, as: UInt8.self)
        destination.storeBytes(of: first, as: UInt8.self)
        destination.storeBytes(of: middle, toByteOffset: count >> 1, as: UInt8.self)
        destination.storeBytes(of: last, toByteOffset: count &- 1, as: UInt8.self)
    }
}
