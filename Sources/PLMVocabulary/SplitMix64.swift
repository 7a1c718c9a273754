/// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA): a small,
/// well-mixed 64-bit generator. plm computes every random draw itself, never with the system generator, so a seed
/// gives the same numbers on every platform and Swift version: it seeds the simulator's xoshiro256** states, draws
/// the sign-flip test's patterns, the self-experiment schedules and the study's simulated people.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
