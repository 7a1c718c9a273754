/// The leg-movement detector (docs/detector.md).
