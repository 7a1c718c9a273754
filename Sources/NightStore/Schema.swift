import GRDB

extension NightStore {
    /// The store's schema, one migration per version. A migration, once released, never changes: a new field
    /// is a new migration (a test checks that every diary column has its table column).
    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration("v1: recordings, sensors, nights, figures, leg movements, diary") { db in
            try db.execute(
                sql: """
                    CREATE TABLE setting(
                      name TEXT PRIMARY KEY NOT NULL,
                      value TEXT NOT NULL);

                    CREATE TABLE recording(
                      id INTEGER PRIMARY KEY,
                      source_key TEXT NOT NULL UNIQUE,
                      file_name TEXT NOT NULL,
                      format TEXT NOT NULL,
                      start_unix_us INTEGER,
                      sample_rate_hz REAL);

                    CREATE TABLE sensor(
                      serial TEXT PRIMARY KEY NOT NULL,
                      side TEXT NOT NULL,
                      firmware TEXT);

                    CREATE TABLE recording_sensor(
                      recording_id INTEGER NOT NULL REFERENCES recording(id) ON DELETE CASCADE,
                      serial TEXT NOT NULL REFERENCES sensor(serial),
                      side TEXT NOT NULL,
                      PRIMARY KEY(recording_id, serial));

                    CREATE TABLE night(
                      date TEXT PRIMARY KEY NOT NULL,
                      recording_id INTEGER NOT NULL REFERENCES recording(id),
                      rules_profile TEXT NOT NULL,
                      recording_hours REAL NOT NULL,
                      in_bed_hours REAL,
                      sleep_hours REAL,
                      plm_index_basis TEXT NOT NULL,
                      plm_index_hours REAL NOT NULL,
                      plm_index REAL,
                      lm_count INTEGER NOT NULL,
                      clm_count INTEGER NOT NULL,
                      plm_count INTEGER NOT NULL,
                      plm_series_count INTEGER NOT NULL,
                      plms_index REAL,
                      plmw_index REAL,
                      periodicity_index REAL,
                      median_plm_imi_s REAL,
                      bilateral_lm_count INTEGER NOT NULL,
                      bilateral_lm_share REAL,
                      valid_hours_left REAL,
                      valid_hours_right REAL,
                      gap_count INTEGER,
                      quality_findings TEXT NOT NULL,
                      summary_json TEXT NOT NULL);
                    CREATE INDEX night_recording ON night(recording_id);

                    CREATE TABLE night_figure(
                      date TEXT NOT NULL REFERENCES night(date) ON DELETE CASCADE,
                      name TEXT NOT NULL,
                      value TEXT NOT NULL,
                      PRIMARY KEY(date, name));

                    CREATE TABLE lm_event(
                      date TEXT NOT NULL REFERENCES night(date) ON DELETE CASCADE,
                      ordinal INTEGER NOT NULL,
                      onset_s REAL NOT NULL,
                      duration_s REAL NOT NULL,
                      side TEXT NOT NULL,
                      n_components INTEGER NOT NULL,
                      is_clm INTEGER NOT NULL,
                      is_plm INTEGER NOT NULL,
                      series_id INTEGER,
                      imi_s REAL,
                      state TEXT NOT NULL,
                      stage TEXT,
                      resp_related INTEGER NOT NULL,
                      arousal INTEGER NOT NULL,
                      is_plm_nr INTEGER,
                      PRIMARY KEY(date, ordinal));

                    CREATE TABLE diary_entry(
                      date TEXT PRIMARY KEY NOT NULL,
                      bed_time TEXT, lights_out_time TEXT, sleep_latency_min INTEGER, awakenings INTEGER,
                      awake_min INTEGER, final_wake_time TEXT, out_of_bed_time TEXT, sleep_quality INTEGER,
                      caffeine_cups INTEGER, caffeine_last_time TEXT, alcohol_drinks TEXT, nicotine TEXT,
                      exercise_min INTEGER, exercise_type TEXT, exercise_intensity TEXT, exercise_time TEXT,
                      iron_mg TEXT, iron_time TEXT, ferritin_ng_ml TEXT, tsat_percent TEXT, iron_lab_date TEXT,
                      medications TEXT,
                      bath_min INTEGER, bath_time TEXT, massage_min INTEGER, massage_time TEXT,
                      compression_min INTEGER, compression_time TEXT, stretching_min INTEGER, stretching_time TEXT,
                      symptom_severity INTEGER, symptom_onset_time TEXT, sensations TEXT, ms_spasms TEXT,
                      ms_dysesthesia TEXT, fatigue INTEGER, irls_total INTEGER, notes TEXT);
                    """)
        }
        m.registerMigration("v2: intervals of a night (in bed, gaps in the data) for its timeline") { db in
            try db.execute(
                sql: """
                    CREATE TABLE night_interval(
                      date TEXT NOT NULL REFERENCES night(date) ON DELETE CASCADE,
                      kind TEXT NOT NULL,
                      leg TEXT,
                      onset_s REAL NOT NULL,
                      end_s REAL NOT NULL);
                    CREATE INDEX night_interval_date ON night_interval(date);
                    """)
        }
        m.registerMigration("v3: self-experiments (trial plans and their schedules)") { db in
            try db.execute(
                sql: """
                    CREATE TABLE trial(
                      id INTEGER PRIMARY KEY,
                      remedy TEXT NOT NULL,
                      first_night TEXT NOT NULL,
                      nights INTEGER NOT NULL,
                      block_nights INTEGER NOT NULL,
                      washout_nights INTEGER NOT NULL,
                      seed TEXT NOT NULL);

                    CREATE TABLE trial_night(
                      trial_id INTEGER NOT NULL REFERENCES trial(id) ON DELETE CASCADE,
                      date TEXT NOT NULL,
                      arm TEXT NOT NULL,
                      washout INTEGER NOT NULL,
                      pair INTEGER NOT NULL,
                      PRIMARY KEY(trial_id, date));
                    CREATE INDEX trial_night_date ON trial_night(date);
                    """)
        }
        return m
    }()
}
