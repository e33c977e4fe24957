package io.paxosql.log;

import java.io.File;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The roll files the log holds, by Chronicle cycle, and the chosen instances each one carries: what
 * retention needs to decide which whole files can go.
 *
 * <p>The file map is concurrent because Chronicle reports acquired files from whichever thread opened them
 * (scan, writer or reader). The chosen ranges are filled by the scan before the writer thread starts and
 * by the writer thread afterwards, so they need no lock.
 */
final class RollFiles {
  private final ConcurrentSkipListMap<Integer, File> fileByCycle = new ConcurrentSkipListMap<>();
  private final TreeMap<Integer, ChosenRange> chosenByCycle = new TreeMap<>();
  /** Bytes of entries written into each file (Chronicle's files are sparse: their length says little). */
  private final TreeMap<Integer, Long> bytesByCycle = new TreeMap<>();

  /** The first and last chosen instance held in one roll file. */
  record ChosenRange(long first, long last) {
    @Override
    public String toString() {
      return "[" + first + ", " + last + "]";
    }
  }

  void noteFile(int cycle, File file) {
    fileByCycle.put(cycle, file);
  }

  File file(int cycle) {
    return fileByCycle.get(cycle);
  }

  /** The newest file's cycle, if any file is held. */
  OptionalInt newestCycle() {
    Map.Entry<Integer, File> last = fileByCycle.lastEntry();
    return last == null ? OptionalInt.empty() : OptionalInt.of(last.getKey());
  }

  int count() {
    return fileByCycle.size();
  }

  /** A copy, oldest cycle first, that retention can walk while files are deleted. */
  NavigableMap<Integer, File> snapshot() {
    return new TreeMap<>(fileByCycle);
  }

  /** Records that {@code instance}, the newest chosen so far, lives in the file of {@code cycle}. */
  void noteChosen(int cycle, long instance) {
    chosenByCycle.merge(cycle, new ChosenRange(instance, instance), (old, now) -> new ChosenRange(old.first(), instance));
  }

  /** The chosen instances in the file of {@code cycle}, or null if it holds none. */
  ChosenRange chosen(int cycle) {
    return chosenByCycle.get(cycle);
  }

  /** Records that an entry of {@code bytes} went into the file of {@code cycle}. */
  void noteBytes(int cycle, long bytes) {
    bytesByCycle.merge(cycle, bytes, Long::sum);
  }

  /** Bytes of entries in the file of {@code cycle}. */
  long bytes(int cycle) {
    return bytesByCycle.getOrDefault(cycle, 0L);
  }

  /** Bytes of entries in every file held. */
  long totalBytes() {
    long sum = 0;
    for (long b : bytesByCycle.values()) {
      sum += b;
    }
    return sum;
  }

  /** Forgets a file that retention deleted. */
  void forget(int cycle) {
    fileByCycle.remove(cycle);
    chosenByCycle.remove(cycle);
    bytesByCycle.remove(cycle);
  }
}
