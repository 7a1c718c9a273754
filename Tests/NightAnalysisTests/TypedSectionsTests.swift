import AccelerationSignal
import Foundation
import LegMovementDetection
import LegMovementScoring
import NightAnalysis
import ScoreExport
import TestSupport
import Testing

@Suite("NightAnalysis: typed sections of summary.json")
struct TypedSectionsTests {
    /// An empty scored night to carry sections.
    func report(
        detector: DetectorSection? = nil, dataQuality: DataQualitySection? = nil, correlation: CorrelationSection? = nil
    ) throws -> ScoreReport {
        var input = ScoringInput()
        input.recordingDuration = 3_600_000_000
        return ScoreReport(
            result: try Scorer.score(input, rules: .wasm2016), source: InputDescription(file: "f", format: "edf"),
            detector: detector, dataQuality: dataQuality, correlation: correlation)
    }

    func decode(_ r: ScoreReport) throws -> SummarySections {
        try JSONDecoder().decode(SummarySections.self, from: Data(r.summaryJSON().rendered().utf8))
    }

    // Values with no more decimals than summary.json writes, so that they come back exactly.
    let quality = DataQualitySection(
        recordingSeconds: 3600.5, inBedSeconds: 1800,
        legs: .init(
            left: .init(
                validSeconds: 3500.5, gapSeconds: 100, gapCount: 2, clippedSamples: 3, noiseFloorG: 0.0125,
                legAxisLearned: true, stillStretchCount: 1, possiblyNotWorn: false, missing: false, lmCount: 7,
                postureChangeCount: 4),
            right: .init(
                validSeconds: 0, gapSeconds: 3600.5, gapCount: 1, clippedSamples: 0, noiseFloorG: nil,
                legAxisLearned: false, stillStretchCount: 0, possiblyNotWorn: true, missing: true, lmCount: 0,
                postureChangeCount: 0)),
        findings: ["right leg: no data"],
        recording: .init(
            blocksOK: 10, blocksCorrupt: 1, tornTailOffset: 4096, framesOK: 500, framesBad: 2, framesDuplicate: 0,
            sequenceJumps: 1, deviceRestarts: 0, samplesLost: 30, problemCount: 2, problems: ["byte 512: corrupt"]),
        reading: .init(findings: ["line 9: time goes back"], samplesExcluded: 6))

    let correlation = CorrelationSection(
        nights: 30, diaryNights: 28, rollingMedianPLMIndex: 12.25, rollingWindowNights: 7,
        factors: [
            .init(
                factor: "alcohol", kind: "binary", lagNights: 0, nights: 28, nightsWith: 9, nightsWithout: 19,
                effect: 3.5, ciLower: -0.25, ciUpper: 7.125, pValue: 0.0625, qValue: nil,
                effectMeasure: "difference_per_h", method: "adjusted_model", adjustedFor: ["trend"],
                moreNightsNeeded: nil, sentence: "Nights with alcohol: 3.5/h more.")
        ])

    @Test("data quality, correlation and detector sections come back from summary.json as they went in")
    func roundTrip() throws {
        var empty = LegMovementDetector(description: QuietNight().description)
        let detection = empty.finish()
        let detector = NightAnalysis.detectorSection(detection)
        let r = try report(detector: detector, dataQuality: quality, correlation: correlation)
        let back = try decode(r)
        #expect(back.dataQuality == quality)
        #expect(back.correlation == correlation)
        #expect(back.detector == detector)
        // A night without sections (an event table) has none.
        let bare = try decode(try report())
        #expect(bare.detector == nil && bare.dataQuality == nil && bare.correlation == nil)
    }

    @Test("the data quality section's keys and number formats are the ones summary.json has always had (docs/detector.md)")
    func pinnedKeys() throws {
        var q = quality
        q.legs.right = nil
        q.recording = nil
        q.reading = nil
        // Written by hand from the documented keys: a renamed key or a changed number of decimals fails here.
        let expected = """
            {
              "findings": ["right leg: no data"],
              "in_bed_s": 1800.0,
              "legs": {
                "left": {
                  "clipped_samples": 3,
                  "gap_count": 2,
                  "gap_s": 100.0,
                  "leg_axis_learned": true,
                  "lm_count": 7,
                  "missing": false,
                  "noise_floor_g": 0.0125,
                  "possibly_not_worn": false,
                  "posture_change_count": 4,
                  "still_stretch_count": 1,
                  "valid_s": 3500.5
                }
              },
              "recording_s": 3600.5
            }

            """
        #expect(q.json.rendered() == expected)
        // A fraction without fixed decimals cannot be written.
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(["n": 1.5]) }
    }

    @Test("the detector, correlation and histogram keys are the ones summary.json has always had")
    func pinnedSectionKeys() throws {
        func keys(_ v: JSONValue?) -> [String] {
            guard case .object(let d)? = v else { return [] }
            return d.keys.sorted()
        }
        func member(_ v: JSONValue, _ key: String) -> JSONValue? {
            guard case .object(let d) = v else { return nil }
            return d[key]
        }
        var empty = LegMovementDetector(description: QuietNight().description)
        let detector = NightAnalysis.detectorSection(empty.finish())
        // Written by hand from summary.json as plm has written it: a renamed key fails here.
        #expect(
            keys(detector.json) == [
                "baseline_time_constant_s", "deviation_onset_factor", "epoch_length_s", "in_bed_bridge_s",
                "in_bed_minimum_s", "legs", "lm_detected_count", "low_pass_cutoff_hz", "lying_max_elevation_deg",
                "minimum_along_threshold_g", "minimum_deviation_threshold_g", "minimum_duration_s",
                "minimum_motion_threshold_g", "minimum_strong_span_s", "motion_lag_s", "motion_onset_factor",
                "noise_floor_values_per_second", "noise_window_s", "offset_fraction", "posture_change_angle_deg",
                "posture_change_count", "quiet_to_end_s", "rest_settle_time_s", "sample_rate_hz", "settle_time_s",
                "shift_fraction", "spike_limit_g", "still_flag_s", "walking_motion_g",
            ])
        #expect(
            keys(correlation.json)
                == ["diary_nights", "factors", "nights", "rolling_median_plm_index", "rolling_window_nights"])
        guard case .array(let factors)? = member(correlation.json, "factors") else {
            Issue.record("no factors array")
            return
        }
        #expect(
            keys(factors.first) == [
                "adjusted_for", "ci_lower", "ci_upper", "effect", "effect_measure", "factor", "kind", "lag_nights",
                "method", "more_nights_needed", "nights", "nights_with", "nights_without", "p_value", "q_value",
                "sentence",
            ])
        let summary = try report(detector: detector, dataQuality: quality, correlation: correlation).summaryJSON()
        #expect(keys(member(summary, "imi_histogram_2s")) == ["above", "below", "bin_start_s", "bin_width_s", "counts"])
        #expect(
            keys(member(summary, "imi_histogram_log10"))
                == ["above", "below", "bin_start_log10_s", "bin_width_log10_s", "counts"])
        for section in ["detector", "data_quality", "correlation"] { #expect(member(summary, section) != nil, "\(section)") }
        // The p value with six decimals, the effect with four, the rolling median with three.
        let text = summary.rendered()
        #expect(text.contains("\"p_value\": 0.062500,") && text.contains("\"effect\": 3.5000,"))
        #expect(text.contains("\"rolling_median_plm_index\": 12.250,"))
    }

    @Test("a hand-made night's typed results match what was planted in it")
    func plantedNight() throws {
        let night = QuietNight(
            seconds: 720, movements: [(.right, 420), (.right, 480), (.right, 540), (.right, 600)],
            gaps: [(.left, 200, 260)])
        var source = InMemoryFrames(description: night.description, values: night.frames())
        let result = try NightAnalysis.analyse(
            &source, file: "quiet.csv", format: "csv", options: .init(legsConcurrently: false))
        let detector = try #require(result.report.detector)
        let quality = try #require(result.report.dataQuality)
        #expect(detector.sampleRateHz == 25)
        #expect(detector.legs == [Leg.left.rawValue, Leg.right.rawValue])
        #expect(detector.lmDetectedCount == 4)
        #expect(detector.minimumDurationSeconds == DetectorParameters.standard.minimumDuration)
        #expect(quality.recordingSeconds == 720)
        let left = try #require(quality.legs.left)
        let right = try #require(quality.legs.right)
        #expect(left.gapCount == 1)
        #expect(abs(left.gapSeconds - 60) < 0.1)
        #expect(abs(left.validSeconds - 660) < 0.1)
        #expect(right.gapCount == 0 && right.validSeconds == 720)
        #expect(right.lmCount == 4 && left.lmCount == 0)
        #expect(quality.recording == nil && quality.reading == nil)
        // What summary.json says is what the typed result says.
        let back = try decode(result.report)
        #expect(back.dataQuality?.legs.left?.gapCount == 1)
        #expect(back.detector?.lmDetectedCount == 4)
    }
}
