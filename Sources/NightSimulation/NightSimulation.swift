/// Simulated nights with known ground truth (docs/simulator.md).
