/**
 * Retention cohorts over raw hits (docs/analytics-model.md, "Retention cohorts"): a GA4 {@code cohortSpec} report
 * ({@link io.beacon.model.cohort.CohortRequest}), one person's first event and returning days
 * ({@link io.beacon.model.cohort.CohortActivity}) and their count into cohort x period rows
 * ({@link io.beacon.model.cohort.CohortTable}). Pure Java: the node reads the hits and first visits, this package
 * counts them.
 */
package io.beacon.model.cohort;
