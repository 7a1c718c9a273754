#!/usr/bin/env Rscript
# Score EDF+ annotation files with PLMScoRe (Fulda, MIT) non-interactively and
# write one CSV row per scored LM.
#
#   Rscript run_plmscore.R PLMSCORE_CHECKOUT OUTDIR FILE.edf [FILE.edf ...]
#
# PLMScoRe is NOT part of this repository: PLMSCORE_CHECKOUT is a local checkout
# the developer obtained (see README.md).  Its R/*.R files are source()d into a
# private environment at run time; nothing of it is copied.
#
# Entry point used: StartPLMScoRe_edf(fn, rrules = 1, output = "none")
#   rrules = 1 -> WASM 2016 breathing window (-2 s .. +10.25 s around event end)
#   output = "none" -> no screen table / plot, no csv, no pdf; nothing is asked
# (StartPLMScoRe_edf only prompts when rrules or output is NA.)
#
# Per-LM output columns (CSV, one file per night, OUTDIR/NAME_plmscore.csv):
#   onset       s from the start of the EDF file (PLMScoRe works relative to
#               lights off / first epoch; we add that start back)
#   onset_rel   s from PLMScoRe's own start (lights off)
#   duration, offset
#   side        L / R / B (PLMScoRe T2 10 / 11 / 12)
#   n_components  NoBil (1 for a monolateral LM)
#   is_clm      1 - nonCLM
#   is_plm      PLM (series membership, any stage)
#   is_plm_nr   PLMnr (series recomputed without breathing-related CLMs; NA = removed)
#   resp_related rLM
#   arousal     AR
#   stage       W N1 N2 N3 R (stage of the epoch containing the onset; W if none)
#   imi, imi_nr IMI / IMInr columns as PLMScoRe stores them
#   series, series_nr  PLM_Sno / PLMnr_Sno
# Plus OUTDIR/NAME_plmscore_summary.csv: PLMScoRe's own statistics table (o1).

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3) {
  stop("usage: run_plmscore.R PLMSCORE_CHECKOUT OUTDIR FILE.edf [FILE.edf ...]")
}
src_dir <- args[1]
out_dir <- args[2]
files <- args[-(1:2)]
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

rdir <- file.path(src_dir, "R")
rfiles <- sort(list.files(rdir, pattern = "\\.[Rr]$", full.names = TRUE))
if (length(rfiles) == 0) stop("no R files under ", rdir, " - is this a PLMScoRe checkout?")
env <- new.env()
for (f in rfiles) sys.source(f, envir = env, keep.source = FALSE)
for (fn in c("StartPLMScoRe_edf", "EDF.getAnnotation.steph4", "edf_event_recode")) {
  if (!exists(fn, envir = env, inherits = FALSE)) stop("PLMScoRe function missing: ", fn)
}

stage_names <- c("0" = "W", "1" = "N1", "2" = "N2", "3" = "N3", "4" = "R")

# The start PLMScoRe subtracts (determine_startstop_edf): the lights-off
# annotation if there is one and it is not before the first scored epoch,
# otherwise the first scored epoch.  We recompute it only to convert its
# onsets back to file time, and verify the conversion below.
start_of <- function(ann) {
  on <- ann$Onset
  lo <- on[which(ann$T2 == 51)]
  ep <- on[which(ann$T == 1)]
  s1 <- if (length(lo)) lo[length(lo)] else NA
  s2 <- if (length(ep)) ep[1] else NA
  if (is.na(s1) && is.na(s2)) return(on[!is.na(ann$T)][1] - 30)
  if (is.na(s1)) return(s2)
  if (is.na(s2)) return(s1)
  if (s1 < s2) s2 else s1
}

for (f in files) {
  name <- sub("\\.edf$", "", basename(f))
  cat("== PLMScoRe:", name, "\n")
  raw <- env$edf_event_recode(env$EDF.getAnnotation.steph4(f))
  start <- start_of(raw)
  res <- tryCatch(env$StartPLMScoRe_edf(fn = f, rrules = 1, output = "none"),
                  error = function(e) { cat("   PLMScoRe FAILED on", name, ":", conditionMessage(e), "\n"); NULL })
  if (is.null(res)) next
  d <- res$Data
  lm <- d[!is.na(d$T2) & d$T2 %in% c(10, 11, 12), ]
  lm <- lm[order(lm$Onset), ]
  side <- c("10" = "L", "11" = "R", "12" = "B")[as.character(lm$T2)]
  nb <- ifelse(is.na(lm$NoBil) | lm$NoBil == 0, 1, lm$NoBil)
  onset_abs <- lm$Onset + start
  # sanity check: every monolateral LM onset must be an annotated LM onset
  raw_on <- raw$Onset[raw$T2 %in% c(10, 11)]
  bad <- sapply(onset_abs, function(x) min(abs(raw_on - x)) > 1e-6)
  if (any(bad)) warning(name, ": ", sum(bad), " LM onsets could not be mapped back to file time")
  out <- data.frame(
    onset = sprintf("%.4f", onset_abs),
    onset_rel = sprintf("%.4f", lm$Onset),
    duration = sprintf("%.4f", lm$Dur),
    offset = sprintf("%.4f", lm$Offset + start),
    side = side,
    n_components = nb,
    is_clm = 1 - lm$nonCLM,
    is_plm = lm$PLM,
    is_plm_nr = lm$PLMnr,
    resp_related = lm$rLM,
    arousal = lm$AR,
    stage = stage_names[as.character(lm$Stage)],
    imi = ifelse(is.na(lm$IMI), NA, sprintf("%.4f", lm$IMI)),
    imi_nr = ifelse(is.na(lm$IMInr), NA, sprintf("%.4f", lm$IMInr)),
    series = lm$PLM_Sno,
    series_nr = lm$PLMnr_Sno,
    stringsAsFactors = FALSE
  )
  utils::write.csv(out, file.path(out_dir, paste0(name, "_plmscore.csv")),
                   row.names = FALSE, na = "", quote = FALSE)
  st <- res$Stats
  utils::write.csv(st, file.path(out_dir, paste0(name, "_plmscore_summary.csv")),
                   row.names = FALSE, na = "")
  g <- function(type, col) {
    v <- st[st$LMtype == type & st$Statistic == "number", col]
    if (length(v)) v[1] else NA
  }
  cat(sprintf("   start %.2f s; LMs %d; CLM %d; PLM(TIB) %s; PLMS(TST) %s; PLMnr(TIB) %s; rLM %d\n",
              start, nrow(lm), sum(lm$nonCLM == 0), g("PLM", "TIB"), g("PLM", "TST"),
              g("PLMnr", "TIB"), sum(lm$rLM == 1, na.rm = TRUE)))
}
