package io.beacon.model.attribution;

/**
 * The kinds of site GA4's default channel group tells apart by source: its {@code SOURCE_CATEGORY_SEARCH},
 * {@code _SOCIAL}, {@code _SHOPPING} and {@code _VIDEO}. Which source is which is data
 * ({@link SourceCategories}), not code.
 */
public enum SourceCategory {
  SEARCH,
  SOCIAL,
  SHOPPING,
  VIDEO
}
