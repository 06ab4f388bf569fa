package io.beacon.collector.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * What a parser made of one request: the hits it could read and the problems it found. A request
 * whose hits are all bad has no hits and at least one problem; a batch may have both (the good hits
 * are kept, the bad ones reported).
 */
public final class ParseResult {
  public final List<HitDraft> hits = new ArrayList<>();
  public final List<Problem> problems = new ArrayList<>();

  public static ParseResult failed(Problem p) {
    ParseResult r = new ParseResult();
    r.problems.add(p);
    return r;
  }

  public boolean ok() {
    return problems.isEmpty();
  }
}
