package io.paxosql.bench;

import io.paxosql.paxos.Ballot;
import io.paxosql.paxos.ChosenValue;
import io.paxosql.paxos.Entry;
import io.paxosql.paxos.Message;
import io.paxosql.paxos.PaxosConfig;
import io.paxosql.paxos.PaxosNode;
import io.paxosql.paxos.Ready;
import io.paxosql.paxos.Value;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Paxos core alone, on one thread: three in-memory nodes exchange messages through a queue, storage
 * is free (records are dropped as soon as they are handed out). {@code chosen}: proposals chosen per
 * second when the leader batches {@value #BURST} queued proposals of {@code size} bytes into instance
 * values of at most 1 MiB, counted when the leader reports them chosen. {@code followerStepAccept}:
 * Accept messages a follower handles per second, each with its ready()/advance() round.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PaxosBenchmark {
  static final int BURST = 10_000;

  @Param({"200", "4096"})
  int size;

  private PaxosNode[] nodes;
  private final ArrayDeque<Message> wire = new ArrayDeque<>();
  private byte[] payload;
  private long nextId;
  private long chosen;

  private PaxosNode follower;
  private long instance;
  private Ballot ballot;
  private Value value;

  @Setup(Level.Trial)
  public void setUp() {
    payload = new byte[size];
    new Random(42).nextBytes(payload);
    TreeSet<Integer> members = new TreeSet<>(List.of(1, 2, 3));
    nodes = new PaxosNode[3];
    for (int i = 0; i < 3; i++) {
      PaxosConfig c = new PaxosConfig(1, i + 1, members, 1L << 32, 30, 10, 5, 10, 3, 64, 1 << 20,
          1_000_000, 256);
      nodes[i] = PaxosNode.fresh(c);
    }
    nodes[0].setCampaignAllowed(true);
    for (int t = 0; t < 60 && !nodes[0].holdsLease(); t++) {
      for (PaxosNode n : nodes) {
        n.tick();
      }
      pump();
    }
    if (!nodes[0].holdsLease()) {
      throw new IllegalStateException("node 1 did not become leader in setup");
    }

    follower = PaxosNode.fresh(configFor(2, members));
    for (int t = 0; t < 41; t++) {
      follower.tick();
    }
    ballot = new Ballot(1, 1);
    follower.step(new Message.Prepare(1, 1, 2, ballot, 0, 1));
    follower.ready();
    follower.advance();
    value = new Value(ballot, List.of(new Entry.Data(1, payload)));
    instance = -1;
  }

  private static PaxosConfig configFor(int node, TreeSet<Integer> members) {
    return new PaxosConfig(1, node, members, 0, 30, 10, 5, 10, 3, 64, 1 << 20, 1_000_000, 256);
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public long chosen() {
    long target = chosen + BURST;
    for (int i = 0; i < BURST; i++) {
      if (!nodes[0].propose(nextId++, payload).queuedOk()) {
        throw new IllegalStateException("leader refused a proposal");
      }
    }
    while (chosen < target) {
      pump();
    }
    for (PaxosNode n : nodes) {
      n.compact(n.firstUnchosen());
    }
    return chosen;
  }

  @Benchmark
  public int followerStepAccept() {
    instance++;
    // chosenBelow = instance: the previous Accept's value is now known chosen, as in a steady pipeline
    follower.step(new Message.Accept(1, 1, 2, ballot, instance, value, instance));
    Ready r = follower.ready();
    int out = r.persist().size() + follower.advance().size();
    if ((instance & 1023) == 0) {
      follower.compact(follower.firstUnchosen());
    }
    return out;
  }

  /** One round: every node hands out its Ready, then every queued message is delivered. */
  private void pump() {
    for (PaxosNode n : nodes) {
      if (n.hasReady()) {
        Ready r = n.ready();
        wire.addAll(r.send());
        if (n == nodes[0]) {
          for (ChosenValue c : r.chosen()) {
            chosen += c.value().entries().size();
          }
        }
        wire.addAll(n.advance());
      }
    }
    Message m;
    while ((m = wire.poll()) != null) {
      nodes[m.to() - 1].step(m);
    }
  }
}
