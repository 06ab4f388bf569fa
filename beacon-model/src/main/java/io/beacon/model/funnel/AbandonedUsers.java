package io.beacon.model.funnel;

import java.util.List;
import java.util.TreeSet;

/**
 * The users who abandoned a funnel after one step (docs/analytics-model.md, "Funnels": reached step k and no pass
 * went on to step k + 1), for the user explorer: their client ids, the first {@code limit} in id order (so the
 * answer does not depend on the order persons were read in), and how many there were in all. Not thread-safe.
 */
public final class AbandonedUsers {
  /** The most ids an answer lists. */
  public static final int LIMIT = 1_000;

  private final int step;
  private final int limit;
  private final TreeSet<String> first = new TreeSet<>();
  private long count;

  /** @param step 0-based step index after which users are counted as abandoning */
  public AbandonedUsers(int step, int limit) {
    this.step = step;
    this.limit = limit;
  }

  /** Counts the person with {@code clientId} if their result abandoned after the step. */
  public void add(String clientId, FunnelPath.Result result) {
    if (!result.reached(step) || result.continued()[step]) {
      return;
    }
    count++;
    first.add(clientId);
    if (first.size() > limit) {
      first.pollLast();
    }
  }

  public List<String> clientIds() {
    return List.copyOf(first);
  }

  public long count() {
    return count;
  }

  public boolean truncated() {
    return count > first.size();
  }

  /** The 1-based step number. */
  public int stepNumber() {
    return step + 1;
  }
}
