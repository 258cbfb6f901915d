import Testing
import Dispatch
import Synchronization

@testable import BillingIO

/// The helpers the stages use to spread work over the cores.
struct ConcurrencyTests {
    /// Results come back in input order however the work is split: squares of 0..<1000.
    @Test func parallelMapKeepsOrder() {
        let squares = Array(0..<1000).parallelMap { $0 * $0 }
        #expect(squares.count == 1000)
        #expect(squares[0] == 0 && squares[31] == 961 && squares[999] == 998_001)
        #expect(squares == (0..<1000).map { $0 * $0 })
    }

    /// Elements are claimed a run at a time, not dealt out in turn: while the worker holding the
    /// first run waits in element 0, the other workers do every element from the second run on
    /// (1000 elements on 2 cores: runs of 1000 / (2 × 64) = 7, so the 993 elements 7…999). Dealt
    /// out in turn, half of those would wait behind element 0, which would give up after 20 s.
    @Test(.enabled(if: ProcessInfoLite.processors > 1))
    func aSlowElementDoesNotHoldBackTheOthers() {
        let count = 1000
        let run = max(1, count / (min(count, ProcessInfoLite.processors) * 64))
        let finished = DispatchSemaphore(value: 0)
        let waited = Array(0..<count).parallelMap { i -> Bool in
            if i == 0 {
                let deadline = DispatchTime.now() + .seconds(20)
                for _ in run..<count where finished.wait(timeout: deadline) == .timedOut { return false }
            } else if i >= run {
                finished.signal()
            }
            return true
        }
        #expect(waited[0])
        #expect(waited.allSatisfy { $0 })
    }

    /// Slices are consecutive and joined in order give the array back, whatever its size: for 7
    /// elements there are 7 slices of one (fewer elements than 8 per core), for 0 one empty slice.
    @Test(arguments: [0, 1, 7, 16, 1000])
    func slicesCoverTheArrayInOrder(count: Int) {
        let slices = Array(0..<count).parallelMapSlices { Array($0) }
        #expect(slices.flatMap { $0 } == Array(0..<count))
        #expect(slices.count == max(1, min(count, ProcessInfoLite.processors * 8)))
        // Sum of 0..<1000 = 999 × 1000 / 2 = 499 500, added per slice.
        if count == 1000 {
            let sums: [Int] = Array(0..<count).parallelMapSlices { slice in slice.reduce(0) { $0 + $1 } }
            #expect(sums.reduce(0) { $0 + $1 } == 499_500)
        }
    }

    /// Runs cover `0..<count` exactly once, whatever its size: each element's counter, bumped by
    /// the run holding it, ends at 1 (none missed, none twice). For 0 elements `body` is not
    /// called.
    @Test(arguments: [0, 1, 7, 16, 1000])
    func runsCoverEveryElementOnce(count: Int) {
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
        hits.initialize(repeating: 0)
        defer { hits.deallocate() }
        nonisolated(unsafe) let counters = hits
        let calls = Mutex(0)
        parallelRuns(count) { run in
            calls.withLock { $0 += 1 }
            for i in run { counters[i] += 1 }
        }
        #expect(hits.prefix(count).allSatisfy { $0 == 1 })
        #expect(count > 0 || calls.withLock { $0 } == 0)
    }

    /// Values started one after another come back each to its own waiter, while the caller works
    /// in between: the sum 1 + … + 100 000 = 100 000 × 100 001 / 2 = 5 000 050 000.
    @Test func backgroundValuesArriveWhileTheCallerWorks() {
        let sum = Background { (1...100_000).reduce(0, +) }
        let text = Background { String(repeating: "ab", count: 3) }
        var local = 0
        for i in 1...1000 { local += i }  // 500 500
        #expect(local == 500_500)
        #expect(text.value() == "ababab")
        #expect(sum.value() == 5_000_050_000)
        #expect(sum.value() == 5_000_050_000)  // asked again: the same value, without waiting forever
    }

    /// `isDone` never waits: false while the work is held back, true once it finished, and the
    /// value is still there after it was asked.
    @Test func backgroundTellsWhetherItIsDone() {
        let gate = DispatchSemaphore(value: 0)
        let held = Background { gate.wait(); return 7 }
        #expect(!held.isDone)
        gate.signal()
        #expect(held.value() == 7)
        #expect(held.isDone)
        #expect(held.isDone)
        #expect(held.value() == 7)
    }
}
