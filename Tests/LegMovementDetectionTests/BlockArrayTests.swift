import Testing

@testable import LegMovementDetection

@Suite("BlockArray: the detector's per-epoch and per-second records")
struct BlockArrayTests {
    @Test("appending, reading and writing give what an Array gives, across block boundaries")
    func behavesAsAnArray() {
        // Lengths around the block size (1024) and several blocks.
        for n in [0, 1, 1023, 1024, 1025, 2048, 5000] {
            var blocks = BlockArray<Int>()
            var array: [Int] = []
            for i in 0..<n {
                let v = (i &* 7919) % 1013
                blocks.append(v)
                array.append(v)
            }
            #expect(blocks.count == n)
            #expect(blocks.isEmpty == (n == 0))
            #expect(Array(blocks) == array)
            #expect(blocks.last == array.last)
            // Writes anywhere, the last element among them, as the tracks rewrite the epoch being filled.
            for i in stride(from: 0, to: n, by: 97) {
                blocks[i] = -i
                array[i] = -i
            }
            if n > 0 {
                blocks[n - 1] += 5
                array[n - 1] += 5
            }
            #expect(Array(blocks) == array)
            #expect(blocks.sorted() == array.sorted())
            #expect(blocks.enumerated().map { $0.offset * $0.element } == array.enumerated().map { $0.offset * $0.element })
        }
    }

    @Test("a copy is a value: changing one leaves the other as it was")
    func valueSemantics() {
        var a = BlockArray<Float>()
        for i in 0..<1500 { a.append(Float(i)) }
        var b = a
        b[1200] = -1
        b.append(9)
        #expect(a[1200] == 1200)
        #expect(a.count == 1500)
        #expect(b[1200] == -1)
        #expect(b.count == 1501)
    }
}
