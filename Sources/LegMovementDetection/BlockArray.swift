/// An array for what a night accumulates (per-epoch and per-second records): it grows one fixed-size block at a
/// time, so what it holds never moves and it needs its elements plus at most one block. A Swift `Array` doubles
/// its storage and copies into it as it grows: up to twice the elements, and three times while it copies, which
/// made a 24 h replay's peak memory grow with the night (BENCHMARKS.md, "peak memory, 8 h vs 24 h").
struct BlockArray<Element>: RandomAccessCollection, MutableCollection {
    /// Elements per block: a power of two (`index >> shift`, `index & mask`).
    private static var shift: Int { 10 }
    private static var blockSize: Int { 1 << shift }
    private static var mask: Int { blockSize - 1 }

    private var blocks: [[Element]] = []
    private(set) var count = 0

    init() {}

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    /// A position outside `0..<count` traps in the blocks' own bounds checks: a negative one or one past the last
    /// block in `blocks`, one past the end inside the last block in that block (it holds exactly the elements).
    subscript(position: Int) -> Element {
        get { blocks[position >> Self.shift][position & Self.mask] }
        set { blocks[position >> Self.shift][position & Self.mask] = newValue }
    }

    mutating func append(_ element: Element) {
        if count & Self.mask == 0 {
            var block: [Element] = []
            block.reserveCapacity(Self.blockSize)
            blocks.append(block)
        }
        blocks[blocks.count - 1].append(element)
        count += 1
    }
}

extension BlockArray: Sendable where Element: Sendable {}
