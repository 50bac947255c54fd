# Reference values for Renke's 社会认可度 estimator (SPEC §4), from R's survey package.
#
#   Rscript tests/analysis/r/approval_reference.R
#
# Debian bookworm: r-base-core 4.2, r-cran-survey 4.1 (base R + survey only).
# Reads tests/analysis/fixtures/approval/scenarios.csv and the responses files it names
# (scored here, independently of Renke: top2, 不了解 and blank not counted), and writes
# tests/analysis/fixtures/approval/reference.csv (scenario, unit, quantity, value) with
# 17 significant digits. The tests compare Renke with it to 1e-8.
#
# (p̂, SE) come from svyratio(~a, ~b, design) with options(survey.lonely.psu = "certainty").
# The design (SPEC §4 "Design"): cluster none: svydesign(ids = ~1, strata = ~group,
# weights = ~w), a group's figures from the subset of its stratum. cluster school (the
# default): a school is one cluster across groups, cl = the trimmed 学校代码 or
# "row:<1-based data row>" where blank, st = "校" where a school is given, else the group;
# overall: svydesign(ids = ~cl, strata = ~st, nest = TRUE, weights = ~w); a group:
# subset(svydesign(ids = ~cl, strata = ~group, nest = TRUE, weights = ~w), group == g).
# df from degf(); n from nrow(). policy and planned: svyby(..., svyratio, covmat = TRUE)
# and svycontrast with the normalised weights (planned: the plan's shares, written out in
# scenarios.csv; Renke derives them itself). survey 4.1 has no Wilson method in
# svyciprop and svyciprop takes no ratio, so the intervals are the SPEC §4 formulas
# evaluated below; where every b = 1 (one item, unweighted or not) the ratio is a mean
# and they are checked against svyciprop("mean", "xlogit", "beta") itself.

suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "certainty")

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
fixtures <- normalizePath(file.path(dirname(script), "..", "fixtures", "approval"))

aliases <- c("编号" = "response_id", "群体" = "group", "学校代码" = "school",
             "有效" = "valid", "无效原因" = "invalid_reason", "权重" = "weight")
scores <- c("满意" = 1, "比较满意" = 1, "一般" = 0, "不满意" = 0)
unscored <- c("不了解", "")
methods <- c("korn-graubard", "wilson", "logit", "wald")

read_scored <- function(file, items) {
  d <- read.csv(file.path(fixtures, file), colClasses = "character", check.names = FALSE,
                fileEncoding = "UTF-8", na.strings = character(0))
  names(d) <- ifelse(names(d) %in% names(aliases), aliases[names(d)], names(d))
  item_cols <- grep("^q[0-9]+", names(d), value = TRUE)
  ids <- sub("^(q[0-9]+).*$", "\\1", item_cols)
  if (length(items)) item_cols <- item_cols[ids %in% items]
  answers <- as.matrix(d[, item_cols, drop = FALSE])
  answers <- trimws(answers)
  stopifnot(all(answers %in% c(names(scores), unscored)))
  s <- matrix(scores[answers], nrow = nrow(answers))  # NA where unscored
  d$a <- rowSums(s, na.rm = TRUE)
  d$b <- rowSums(!is.na(s))
  valid <- if ("valid" %in% names(d)) d$valid %in% c("", "1", "是", "TRUE", "true") else TRUE
  d$w <- if ("weight" %in% names(d)) ifelse(d$weight == "", 1, as.numeric(d$weight)) else 1
  if (!"school" %in% names(d)) d$school <- ""
  d$school <- trimws(d$school)
  d$cl <- ifelse(d$school == "", paste0("row:", seq_len(nrow(d))), d$school)
  d$st <- ifelse(d$school == "", d$group, "校")
  d[valid & d$b > 0, ]  # removed before the design is built, not with subset()
}

# the overall design
design_of <- function(d, cluster) {
  if (cluster) svydesign(ids = ~cl, strata = ~st, weights = ~w, nest = TRUE, data = d)
  else svydesign(ids = ~1, strata = ~group, weights = ~w, data = d)
}

# the design a group's own figures come from (clusters within the group)
group_design_of <- function(d, cluster) {
  if (cluster) svydesign(ids = ~cl, strata = ~group, weights = ~w, nest = TRUE, data = d)
  else svydesign(ids = ~1, strata = ~group, weights = ~w, data = d)
}

kish <- function(w, b) sum(w * b)^2 / sum((w * b)^2)

kg_limits <- function(p, nstar, alpha) {
  c(if (p <= 0) 0 else qbeta(alpha / 2, nstar * p, nstar * (1 - p) + 1),
    if (p >= 1) 1 else qbeta(1 - alpha / 2, nstar * p + 1, nstar * (1 - p)))
}

wilson_limits <- function(p, n, alpha) {
  z <- qnorm(1 - alpha / 2)
  centre <- (p + z^2 / (2 * n)) / (1 + z^2 / n)
  half <- z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2)) / (1 + z^2 / n)
  c(max(0, centre - half), min(1, centre + half))
}

is_degenerate <- function(p, se, n, df) {
  p <= 0 || p >= 1 || n <= 1 || df < 1 || !(se > 0) || p * (1 - p) / se^2 > 1e12
}

# SPEC §4 "Intervals", with the SE = 0 rules
spec_interval <- function(method, p, se, n, df, nkish, level) {
  alpha <- 1 - level
  if (is_degenerate(p, se, n, df)) {
    lim <- if (method == "korn-graubard") kg_limits(p, nkish, alpha) else wilson_limits(p, nkish, alpha)
    if (p >= 1) lim[2] <- 1
    if (p <= 0) lim[1] <- 0
    return(lim)
  }
  t <- qt(1 - alpha / 2, df)
  lim <- switch(method,
    "wald" = p + c(-1, 1) * t * se,
    "logit" = plogis(qlogis(p) + c(-1, 1) * t * se / (p * (1 - p))),
    "korn-graubard" = {
      nstar <- p * (1 - p) / se^2 * (qt(alpha / 2, n - 1) / qt(alpha / 2, df))^2
      kg_limits(p, nstar, alpha)
    },
    "wilson" = wilson_limits(p, p * (1 - p) / se^2, alpha))
  pmin(1, pmax(0, lim))
}

# SPEC §4 "Decision": one-sided p-value of H0: p <= theta inverting the interval
spec_p_value <- function(method, p, se, n, df, nkish, level, theta) {
  alpha <- 1 - level
  degenerate <- is_degenerate(p, se, n, df)
  if (method == "korn-graubard") {
    nstar <- if (degenerate) nkish else
      p * (1 - p) / se^2 * (qt(alpha / 2, n - 1) / qt(alpha / 2, df))^2
    return(pbeta(theta, nstar * p, nstar * (1 - p) + 1))
  }
  if (method == "wilson" || degenerate) {
    neff <- if (degenerate) nkish else p * (1 - p) / se^2
    return(pnorm((p - theta) / sqrt(theta * (1 - theta) / neff), lower.tail = FALSE))
  }
  stat <- if (method == "logit") (qlogis(p) - qlogis(theta)) * p * (1 - p) / se else (p - theta) / se
  pt(stat, df, lower.tail = FALSE)
}

out <- data.frame(scenario = character(0), unit = character(0), quantity = character(0),
                  value = character(0))
emit <- function(scenario, unit, quantity, value) {
  out[nrow(out) + 1, ] <<- list(scenario, unit, quantity, sprintf("%.17g", value))
}

emit_estimate <- function(scenario, unit, p, se, n, df, nkish, level, theta) {
  degenerate <- is_degenerate(p, se, n, df)
  emit(scenario, unit, "n", n)
  emit(scenario, unit, "approval", p)
  emit(scenario, unit, "se", if (degenerate) 0 else se)
  emit(scenario, unit, "df", df)
  emit(scenario, unit, "n_kish", nkish)
  emit(scenario, unit, "n_eff", if (degenerate) nkish else p * (1 - p) / se^2)
  for (m in methods) {
    lim <- spec_interval(m, p, se, n, df, nkish, level)
    emit(scenario, unit, paste0("ci_", m, "_lo"), lim[1])
    emit(scenario, unit, paste0("ci_", m, "_hi"), lim[2])
    emit(scenario, unit, paste0("p_", m), spec_p_value(m, p, se, n, df, nkish, level, theta))
  }
}

# where the ratio is a mean (b = 1), survey's own svyciprop must agree with the formulas
check_svyciprop <- function(design, p, se, n, df, nkish, level) {
  if (is_degenerate(p, se, n, df)) return(invisible())
  for (pair in list(c("mean", "wald"), c("xlogit", "logit"), c("beta", "korn-graubard"))) {
    ci <- as.numeric(attr(svyciprop(~I(a == 1), design, method = pair[1], level = level), "ci"))
    ci <- pmin(1, pmax(0, ci))  # svyciprop's "mean" can leave [0, 1]; SPEC clips
    stopifnot(isTRUE(all.equal(ci, spec_interval(pair[2], p, se, n, df, nkish, level),
                               tolerance = 1e-10)))
  }
}

scenarios <- read.csv(file.path(fixtures, "scenarios.csv"), colClasses = "character",
                      fileEncoding = "UTF-8", na.strings = character(0))
for (k in seq_len(nrow(scenarios))) {
  s <- scenarios[k, ]
  items <- if (s$items == "") character(0) else strsplit(s$items, ";")[[1]]
  level <- as.numeric(s$level)
  theta <- as.numeric(s$threshold)
  d <- read_scored(s$data, items)
  # responses with no school at all give the simple design (SPEC §4)
  clustered <- s$cluster == "school" && any(d$school != "")
  design <- design_of(d, clustered)
  group_design <- group_design_of(d, clustered)
  groups <- intersect(c("学生", "家长", "教师", "校长", "人大代表", "政协委员", "其他群众"),
                      unique(d$group))
  nkish_h <- c()
  for (g in groups) {
    sub <- subset(group_design, group == g)
    r <- svyratio(~a, ~b, sub)
    p <- as.numeric(coef(r)); se <- as.numeric(SE(r))
    nkish_h[g] <- kish(d$w[d$group == g], d$b[d$group == g])
    emit_estimate(s$scenario, g, p, se, nrow(sub), degf(sub), nkish_h[g], level, theta)
    if (all(d$b == 1)) check_svyciprop(sub, p, se, nrow(sub), degf(sub), nkish_h[g], level)
  }
  if (s$overall == "pooled") {
    r <- svyratio(~a, ~b, design)
    p <- as.numeric(coef(r)); se <- as.numeric(SE(r)); nkish <- kish(d$w, d$b)
    if (clustered) {
      srs <- svyratio(~a, ~b, design_of(d, FALSE))
      emit(s$scenario, "overall", "deff", as.numeric(SE(r))^2 / as.numeric(SE(srs))^2)
    }
    if (all(d$b == 1)) check_svyciprop(design, p, se, nrow(design), degf(design), nkish, level)
  } else {
    pairs <- strsplit(strsplit(s$weights, ";")[[1]], "=")
    W <- setNames(as.numeric(sapply(pairs, `[`, 2)), sapply(pairs, `[`, 1))
    by <- svyby(~a, ~group, design, svyratio, denominator = ~b, covmat = TRUE)
    W <- W[as.character(by$group)]
    W <- W / sum(W)
    contrast <- svycontrast(by, as.numeric(W))
    p <- as.numeric(coef(contrast)); se <- as.numeric(SE(contrast))
    nkish <- 1 / sum(W^2 / nkish_h[names(W)])
    if (clustered) {
      srs <- svycontrast(svyby(~a, ~group, design_of(d, FALSE), svyratio, denominator = ~b,
                               covmat = TRUE), as.numeric(W))
      emit(s$scenario, "overall", "deff", se^2 / as.numeric(SE(srs))^2)
    }
    for (g in names(W)) emit(s$scenario, "overall", paste0("weight_", g), W[[g]])
  }
  emit_estimate(s$scenario, "overall", p, se, nrow(design), degf(design), nkish, level, theta)
}

write.csv(out, file.path(fixtures, "reference.csv"), row.names = FALSE, fileEncoding = "UTF-8")
cat(sprintf("wrote %d reference values for %d scenarios (survey %s, %s)\n", nrow(out),
            nrow(scenarios), packageVersion("survey"), R.version.string))
