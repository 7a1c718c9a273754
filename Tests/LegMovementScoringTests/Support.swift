import LegMovementScoring
import Testing

/// Builders that keep the tests in seconds, as the scoring papers write them.
func us(_ seconds: Double) -> Microseconds {
    Microseconds((seconds * 1_000_000).rounded())
}

func lm(_ onset: Double, _ duration: Double = 1.5, _ leg: Leg = .left) -> LegMovementEvent {
    LegMovementEvent(onset: us(onset), duration: us(duration), leg: leg)
}

func epochs(_ stage: SleepStage, from start: Double, count: Int, length: Double = 30) -> [StageInterval] {
    (0..<count).map { StageInterval(onset: us(start + Double($0) * length), duration: us(length), stage: stage) }
}

func interval(_ onset: Double, _ duration: Double) -> IntervalEvent {
    IntervalEvent(onset: us(onset), duration: us(duration))
}

func score(_ input: ScoringInput, _ rules: ScoringRules = .wasm2016) throws -> ScoringResult {
    try Scorer.score(input, rules: rules)
}

func rules(_ base: ScoringRules = .wasm2016, _ edit: (inout ScoringRules) -> Void) -> ScoringRules {
    var r = base
    edit(&r)
    return r
}

extension ScoringResult {
    var plmOnsets: [Double] { movements.filter(\.isPLM).map { Seconds.from($0.onset) } }
    var onsets: [Double] { movements.map { Seconds.from($0.onset) } }
    func movement(at seconds: Double) -> ScoredMovement? { movements.first { $0.onset == us(seconds) } }
}

/// A small seeded generator so property tests are reproducible (the package's one SplitMix64).
typealias SeededGenerator = SplitMix64

extension ScoringRules: CustomTestStringConvertible {
    public var testDescription: String { profile }
}
