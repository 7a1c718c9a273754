#!/usr/bin/env python3
"""Writes the EDF+ fixtures of EventImportTests with pyedflib, an independent EDF+ writer.

Run from this folder: `pip install pyedflib && python3 make_fixtures.py`. The files are committed; this
script documents exactly what they contain so that the tests' expectations can be checked against it.
"""
import numpy as np
import pyedflib

# A 10-minute recording with one dummy EMG channel (pyedflib needs a signal) and NSRR/REMLogic labels.
ANNOTATIONS = [
    # onset s, duration s (-1 = none), text
    (0.0, 30.0, "Wake|0"),
    (30.0, 30.0, "Stage 2 sleep|2"),
    (60.0, 30.0, "Stage 2 sleep|2"),
    (90.0, 30.0, "REM sleep|5"),
    (35.25, 1.5, "Limb movement - left"),
    (55.25, 2.0, "Limb Movement (Right)"),
    (75.0, 1.25, "Limb movement@@EMG LAT"),
    (95.5, 0.75, "Limb movement@@EMG RAT"),
    (100.0, 15.0, "Obstructive apnea|Obstructive Apnea"),
    (102.0, 4.0, "Arousal|Arousal (Standard)"),
    (110.0, 3.0, "SpO2 desaturation|SpO2 desaturation"),
    (120.0, -1, "Recording paused"),
    (5.0, -1, "Lights off"),
    (590.0, -1, "Lights on"),
]


def write(path):
    f = pyedflib.EdfWriter(path, 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    f.setSignalHeaders([{
        "label": "LAT", "dimension": "uV", "sample_frequency": 10, "physical_max": 100.0,
        "physical_min": -100.0, "digital_max": 32767, "digital_min": -32768, "transducer": "", "prefilter": "",
    }])
    f.writeSamples([np.zeros(10 * 600)])
    for onset, duration, text in ANNOTATIONS:
        f.writeAnnotation(onset, duration, text)
    f.close()


if __name__ == "__main__":
    write("nsrr-labels.edf")
