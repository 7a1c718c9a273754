/// Recording formats: the native .plmrec, EDF/EDF+ and CSV accelerometer files (docs/recording-format.md).
