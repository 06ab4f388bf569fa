package io.beacon.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Writes a batch whose write may be rejected as a whole because of a few bad items (QuestDB rejects
 * a whole request for one malformed line): on rejection it bisects, writing the good halves and
 * isolating each bad item with the store's reason. Transient failures ({@link StoreUnavailableException})
 * propagate unchanged: the caller retries the batch, and halves already written are rewritten
 * harmlessly because the store de-duplicates.
 */
public final class BatchSplitter {
  private BatchSplitter() {}

  /** An item the store refused on its own, with the store's reason. */
  public record Rejected<T>(T item, String reason) {}

  /**
   * @param write writes all given items or throws {@link WriteRejectedException} / {@link StoreUnavailableException}
   * @return the items rejected one by one (empty when everything was written)
   */
  public static <T> List<Rejected<T>> write(List<T> items, Consumer<List<T>> write) {
    List<Rejected<T>> rejected = new ArrayList<>();
    if (!items.isEmpty()) {
      split(items, write, rejected);
    }
    return rejected;
  }

  private static <T> void split(List<T> items, Consumer<List<T>> write, List<Rejected<T>> rejected) {
    try {
      write.accept(items);
    } catch (WriteRejectedException e) {
      if (items.size() == 1) {
        rejected.add(new Rejected<>(items.get(0), e.getMessage()));
        return;
      }
      int mid = items.size() / 2;
      split(items.subList(0, mid), write, rejected);
      split(items.subList(mid, items.size()), write, rejected);
    }
  }
}
