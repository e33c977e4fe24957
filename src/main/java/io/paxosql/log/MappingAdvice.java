package io.paxosql.log;

import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.posix.MAdviseFlag;
import net.openhft.posix.PosixAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the page cache of the roll file the writer maps in small pages, so a sync writes back only what was
 * appended. Used by the writer thread only.
 *
 * <p>Why: Chronicle writes through a shared memory map. On this kernel (Linux 6.x, ext4 with large folios)
 * a fault in a mapped file reads ahead, and as the writer moves sequentially through the file the read-ahead
 * grows and fills the page cache with ever larger folios (measured: 12 KB dirtied per 8 KB append while the
 * file is small, 28, 76, 268 and then ~1 MB past ~30 MB). Dirtying one byte dirties the whole folio, and
 * fdatasync or msync writes the whole folio back, so a sync cost grew with the file: 0.3 ms at 15 MB, 1.5 ms
 * past 40 MB. {@code MADV_RANDOM} turns read-ahead off for the mapping, faults then bring single pages, and
 * the bytes a sync writes stay those appended, at any file size. The tailers of the same queue share the
 * writer's mapping of each chunk, so the advice covers their faults too.
 */
final class MappingAdvice {
  private static final Logger LOG = LoggerFactory.getLogger(MappingAdvice.class);

  private final boolean enabled;
  private BytesStore<?, ?> advised;
  private boolean warned;

  MappingAdvice(boolean enabled) {
    this.enabled = enabled;
  }

  /** Advises the mapping {@code store} belongs to, once per mapped chunk. */
  void adviseChunk(BytesStore<?, ?> store) {
    if (!enabled || store == advised || !(store instanceof MappedBytesStore mapped)) {
      return;
    }
    advised = store;
    int rc = PosixAPI.posix().madvise(mapped.address, mapped.realCapacity(), MAdviseFlag.MADV_RANDOM);
    if (rc != 0 && !warned) {
      // Not fatal: syncs stay correct, only slower as the roll file grows.
      warned = true;
      LOG.warn("madvise(MADV_RANDOM) of the log's mapping failed ({}); syncs will cost more as roll files grow",
          PosixAPI.posix().lastErrorStr());
    }
  }
}
