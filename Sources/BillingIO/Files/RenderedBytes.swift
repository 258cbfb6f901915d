/// A container of bytes made in one go by a function that writes exactly `count` of them: an
/// array, or `PageAlignedBytes`. Renderers that size their output first are written once for both.
protocol RenderedBytes {
    init(count: Int, rendering: (UnsafeMutablePointer<UInt8>) -> Void)
}

extension Array: RenderedBytes where Element == UInt8 {
    init(count: Int, rendering render: (UnsafeMutablePointer<UInt8>) -> Void) {
        guard count > 0 else {
            self = []
            return
        }
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            render(buffer.baseAddress!)
            initialized = count
        }
    }
}
