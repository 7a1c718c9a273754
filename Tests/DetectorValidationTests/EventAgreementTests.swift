import DetectorValidation
import LegMovementScoring
import Testing

func lm(_ onset: Double, _ duration: Double, _ leg: Leg = .left) -> LegMovementEvent {
    LegMovementEvent(onset: Microseconds(onset * 1e6), duration: Microseconds(duration * 1e6), leg: leg)
}

@Suite("Event agreement")
struct EventAgreementTests {
    @Test("overlap on the same leg matches one to one; other legs and near misses do not")
    func matching() {
        let truth = [lm(10, 2), lm(30, 2), lm(50, 2), lm(70, 2, .right)]
        let detected = [
            lm(10.3, 1.5),  // matches 10
            lm(11.0, 1.0),  // overlaps 10 too, but 10 is taken: a false positive
            lm(32.5, 1),  // starts after 30's end (32): no match
            lm(49, 1.5),  // overlaps 50
            lm(70, 2),  // left leg: does not match the right leg's 70
        ]
        let a = EventAgreement.compare(detected: detected, truth: truth)
        #expect(a.truePositives == 2)
        #expect(a.falsePositives == 3)
        #expect(a.falseNegatives == 2)
        #expect(abs(a.precision - 0.4) < 1e-12 && abs(a.recall - 0.5) < 1e-12)
        #expect(abs(a.f1 - 2 * 0.4 * 0.5 / 0.9) < 1e-12)
        #expect(a.onsetErrors.map { ($0 * 10).rounded() / 10 } == [0.3, -1.0])
        #expect(a.missed.map(\.onset) == [lm(30, 2).onset, lm(70, 2, .right).onset])
    }

    @Test("events outside the window are left out of both sides")
    func window() {
        let truth = [lm(10, 1), lm(500, 1)]
        let detected = [lm(10, 1), lm(800, 1)]
        let a = EventAgreement.compare(
            detected: detected, truth: truth, within: [IntervalEvent(onset: 0, duration: 100_000_000)])
        #expect(a.truePositives == 1 && a.falsePositives == 0 && a.falseNegatives == 0 && a.f1 == 1)
    }
}
